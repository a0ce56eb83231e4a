/**
 * The deployment files (Dockerfile, compose.yaml, deploy/kubernetes/) agree with the server they run.
 * No Docker engine or cluster is reachable here, so each file is parsed with a kept parser
 * (dockerfile-ast; yaml; Kubernetes' schemas through kubernetes-models) and checked against the
 * repository: the port, the endpoints the probes ask, the environment variables the README
 * documents, the commands the CLI has, the image's user and version. The health check the image
 * runs, and the command the migration Job runs, are run here for real.
 */
import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { openStore } from '@latchkey/storage'
import { type Copy, DockerfileParser, type Instruction } from 'dockerfile-ast'
import { ConfigMap, type IConfigMap, type IService, type ISecret, Secret, Service } from 'kubernetes-models/v1'
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1'
import { HorizontalPodAutoscaler, type IHorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2'
import { type IJob, Job } from 'kubernetes-models/batch/v1'
import { type IPodDisruptionBudget, PodDisruptionBudget } from 'kubernetes-models/policy/v1'
import type { IContainer, IPodSpec } from 'kubernetes-models/v1'
import { parseAllDocuments, parse as parseYaml } from 'yaml'
import { buildProgram } from '../src/cli/main.js'
import { loadConfig } from '../src/config.js'
import { parseSecrets } from '../src/keys/secret.js'
import { envWithoutDb, runLatchkey } from './support/cli.js'
import { freePort, startTestServer } from './support/harness.js'

const run = promisify(execFile)
const root = fileURLToPath(new URL('../../../', import.meta.url))
const read = (path: string) => readFileSync(join(root, path), 'utf8')
const VERSION = (JSON.parse(read('package.json')) as { version: string }).version
const DEFAULT_PORT = loadConfig({}, {}).port
/** The Dockerfile's USER, which the Kubernetes pods run as. */
const IMAGE_UID = 10001

/** Every variable named in the README's configuration table (the documented settings). */
const documentedVariables = (() => {
  const section = read('README.md').split('## Configuration')[1]?.split('\n## ')[0] ?? ''
  return new Set([...section.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1] as string))
})()

function assertDocumented(names: Iterable<string>, where: string): void {
  for (const name of names) assert.ok(documentedVariables.has(name), `${where}: ${name} is not in the README's configuration table`)
}

/** The `latchkey` subcommand path an argv runs (`keys list`), checked against the CLI's own command tree. */
function assertLatchkeyCommand(argv: readonly string[], where: string): void {
  const bin = argv.findIndex((a) => a.endsWith('latchkey.js'))
  assert.equal(argv[0], 'node', `${where}: runs node`)
  assert.ok(!argv.some((a) => /tsx|--import|--loader/.test(a)), `${where}: no TypeScript loader: ${argv.join(' ')}`)
  assert.equal(argv[bin], 'packages/server/bin/latchkey.js', `${where}: runs the latchkey command`)
  assert.ok(existsSync(join(root, argv[bin] as string)), `${where}: ${argv[bin]} exists`)
  let command = buildProgram()
  for (const word of argv.slice(bin + 1).filter((a) => !a.startsWith('-'))) {
    const sub = command.commands.find((c) => c.name() === word || c.aliases().includes(word))
    assert.ok(sub, `${where}: latchkey has no command "${word}"`)
    command = sub
  }
}

describe('Dockerfile', () => {
  const dockerfile = DockerfileParser.parse(read('Dockerfile'))
  const froms = dockerfile.getFROMs()
  const instructions = dockerfile.getInstructions()
  const finalStart = instructions.indexOf(froms.at(-1) as Instruction)
  const buildStage = instructions.slice(0, finalStart)
  const finalStage = instructions.slice(finalStart)
  const all = (stage: Instruction[], keyword: string) => stage.filter((i) => i.getKeyword() === keyword)
  const one = (keyword: string) => {
    const found = all(finalStage, keyword)
    assert.equal(found.length, 1, `one ${keyword} in the final stage`)
    return found[0] as Instruction
  }
  const jsonArgs = (i: Instruction) => JSON.parse(i.getArgumentsContent()?.replace(/^CMD\s+/, '') ?? 'null') as string[]
  const imageEnv = new Map(
    all(finalStage, 'ENV').flatMap((i) => (i.getArgumentsContent() ?? '').split(/\s+\\?\s*/).filter((kv) => kv.includes('=')).map((kv) => kv.split('=', 2) as [string, string])),
  )

  it('builds in one stage and runs in another on the same Debian base, so native modules match its libc', () => {
    assert.equal(froms.length, 2)
    assert.equal(froms[0]?.getBuildStage(), 'build')
    assert.equal(froms[0]?.getImageName(), froms[1]?.getImageName(), 'same base image')
    const base = (dockerfile.getARGs()[0]?.getProperty()?.getValue() ?? '') as string
    assert.match(base, /^node:20[\w.-]*-bookworm-slim$/, 'Node 20 (engines) on Debian bookworm')
  })

  it('installs, compiles and prunes to production dependencies in the build stage; the runtime stage only copies the result', () => {
    const runs = all(buildStage, 'RUN').map((i) => i.getArgumentsContent() ?? '').join('\n')
    assert.match(runs, /npm ci\b/)
    assert.match(runs, /npm run build\b/)
    assert.match(runs, /npm prune --omit=dev\b/)
    assert.ok(runs.indexOf('npm prune') > runs.indexOf('npm run build'), 'pruned after the build')
    const finalRuns = all(finalStage, 'RUN').map((i) => i.getArgumentsContent() ?? '').join('\n')
    assert.doesNotMatch(finalRuns, /npm (ci|install|i)\b/, 'nothing installed in the runtime stage')
    const copies = all(finalStage, 'COPY') as Copy[]
    assert.ok(copies.length > 0)
    for (const copy of copies) assert.equal(copy.getFromFlag()?.getValue(), 'build', `COPY ${copy.getArgumentsContent()}: from the build stage`)
    assert.ok(copies.some((c) => c.getArguments()[0]?.getValue() === '/app/node_modules'), 'node_modules from the pruned build stage')
  })

  it('runs as a numeric non-root user, the one the Kubernetes manifests name', () => {
    const [uid, gid] = (one('USER').getArgumentsContent() ?? '').split(':').map(Number)
    assert.ok(uid !== undefined && Number.isInteger(uid) && uid > 0 && gid !== undefined && gid > 0, 'numeric, not root')
    assert.equal(uid, IMAGE_UID)
  })

  it('keeps the SQLite database in a volume, exposes the default port, and is configured by documented variables', () => {
    assert.equal(imageEnv.get('LATCHKEY_DB'), 'sqlite:/app/data/latchkey.db')
    assert.match(one('VOLUME').getArgumentsContent() ?? '', /"\/app\/data"/)
    assert.equal(one('EXPOSE').getArgumentsContent(), String(DEFAULT_PORT))
    assert.equal(imageEnv.get('PORT'), String(DEFAULT_PORT))
    assertDocumented([...imageEnv.keys()].filter((k) => k !== 'NODE_ENV'), 'Dockerfile ENV')
  })

  it('starts the compiled server with node (no TypeScript loader) from the image\'s working directory', () => {
    assertLatchkeyCommand(jsonArgs(one('CMD')), 'CMD')
    assert.equal(one('WORKDIR').getArgumentsContent(), '/app', 'the checkout\'s layout: /app is the repository root')
    assert.equal(one('STOPSIGNAL').getArgumentsContent(), 'SIGTERM')
  })

  it("the image's command with the image's environment serves, passes the HEALTHCHECK (node's fetch of /readyz, no curl), keeps its database and secret in the volume, and drains on SIGTERM to exit 0", async () => {
    const [node, flag, script] = jsonArgs(one('HEALTHCHECK'))
    assert.deepEqual([node, flag], ['node', '-e'])
    assert.match(script ?? '', /\/readyz/)
    const volume = mkdtempSync(join(tmpdir(), 'latchkey-volume-'))
    const port = String(await freePort())
    // A fresh container's environment: no LATCHKEY_* but the image's; the sources under the
    // development condition (as npm test runs), never a stale build.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('LATCHKEY_') && k !== 'PORT' && k !== 'HOST'))
    const env: NodeJS.ProcessEnv = { ...inherited, NODE_OPTIONS: process.env.NODE_OPTIONS || '--conditions=@latchkey/source', ...Object.fromEntries(imageEnv), PORT: port }
    env.LATCHKEY_DB = (env.LATCHKEY_DB ?? '').replace('/app/data', volume)
    const health = () => run(process.execPath, ['-e', script as string], { env, timeout: 10_000 }).then(() => 0, (e: { code?: number }) => e.code ?? -1)
    const [, ...args] = jsonArgs(one('CMD'))
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    try {
      const deadline = Date.now() + 20_000
      while ((await health()) !== 0) {
        assert.ok(Date.now() < deadline && child.exitCode === null, `the server did not become healthy:\n${output}`)
        await new Promise((r) => setTimeout(r, 200))
      }
      assert.deepEqual(readdirSync(volume).filter((f) => !f.includes('.db-')).sort(), ['latchkey.db', 'latchkey.secret'])
    } finally {
      child.kill('SIGTERM')
      const code = await exited
      rmSync(volume, { recursive: true, force: true })
      assert.equal(code, 0, output)
    }
    assert.match(output, /"signal":"SIGTERM"/)
    assert.equal(await health(), 1, 'unhealthy once nothing answers')
  })

  it('.dockerignore keeps local databases, secrets, node_modules and git out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim())
    for (const entry of ['.git', '**/node_modules', '**/dist', 'data', '**/*.db', '**/latchkey.secret', '.env']) assert.ok(ignored.includes(entry), entry)
  })
})

describe('the image, where a Docker engine and the base image are reachable', () => {
  const docker = (args: string[], timeout = 60_000) => run('docker', args, { cwd: root, timeout, maxBuffer: 64 * 1024 * 1024 })
  const base = DockerfileParser.parse(read('Dockerfile')).getARGs()[0]?.getProperty()?.getValue() ?? ''

  it('builds, runs as uid 10001, answers /readyz, passes its HEALTHCHECK, and exits 0 on docker stop', async (t) => {
    if (!(await docker(['info'], 10_000).then(() => true, () => false))) return t.skip('no Docker engine on this machine: the structure checks above stand in')
    if (!(await docker(['pull', base], 120_000).then(() => true, () => false))) return t.skip(`${base} cannot be pulled here: the structure checks above stand in`)
    const name = `latchkey-deploy-test-${process.pid}`
    const image = `${name}:${VERSION}`
    await docker(['build', '--tag', image, '.'], 20 * 60_000)
    try {
      await docker(['run', '--detach', '--name', name, '--publish', `127.0.0.1::${DEFAULT_PORT}`, '--volume', `${name}:/app/data`, image])
      const port = (await docker(['port', name, String(DEFAULT_PORT)])).stdout.trim().split('\n')[0]?.split(':').at(-1)
      const deadline = Date.now() + 60_000
      for (;;) {
        const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)
        if (ready) break
        assert.ok(Date.now() < deadline, (await docker(['logs', name])).stdout)
        await new Promise((r) => setTimeout(r, 500))
      }
      assert.equal((await docker(['exec', name, 'id', '-u'])).stdout.trim(), String(IMAGE_UID))
      const healthcheck = JSON.parse((await docker(['inspect', '--format', '{{json .Config.Healthcheck.Test}}', name])).stdout) as string[]
      await docker(['exec', name, ...healthcheck.slice(1)])
      assert.match((await docker(['exec', name, 'ls', '/app/data'])).stdout, /latchkey\.db/)
      await docker(['stop', '--time', '15', name], 30_000)
      assert.equal((await docker(['inspect', '--format', '{{.State.ExitCode}}', name])).stdout.trim(), '0')
    } finally {
      await docker(['rm', '--force', name]).catch(() => undefined)
      await docker(['volume', 'rm', '--force', name]).catch(() => undefined)
      await docker(['image', 'rm', '--force', image]).catch(() => undefined)
    }
  })
})

describe('compose.yaml', () => {
  interface ComposeService {
    image?: string
    build?: string
    environment?: Record<string, string>
    depends_on?: Record<string, { condition: string }>
    healthcheck?: { test: string[] }
    ports?: string[]
    stop_grace_period?: string
  }
  const compose = parseYaml(read('compose.yaml')) as { services: Record<string, ComposeService> }
  const { latchkey, postgres, redis } = compose.services
  const env = latchkey?.environment ?? {}

  it('runs Latchkey, PostgreSQL and Redis, each with a health check; Latchkey starts once both are healthy', () => {
    assert.deepEqual(Object.keys(compose.services).sort(), ['latchkey', 'postgres', 'redis'])
    for (const [name, service] of Object.entries(compose.services)) assert.ok(service.healthcheck?.test.length, `${name} has a healthcheck`)
    assert.deepEqual(latchkey?.depends_on, { postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } })
    assert.match(latchkey?.healthcheck?.test.join(' ') ?? '', /\/readyz/)
    assert.match(postgres?.healthcheck?.test.join(' ') ?? '', /pg_isready/)
    assert.match(redis?.healthcheck?.test.join(' ') ?? '', /redis-cli ping/)
  })

  it('builds this repository as the image of this version, and gives draining its time', () => {
    assert.equal(latchkey?.build, '.')
    assert.equal(latchkey?.image, `latchkey:${VERSION}`)
    assert.ok(Number.parseInt(latchkey?.stop_grace_period ?? '0', 10) > 10, 'more than the 10 s a drain may take')
    assert.deepEqual(latchkey?.ports, [`127.0.0.1:${DEFAULT_PORT}:${env.PORT}`])
  })

  it('configures Latchkey with documented variables: PostgreSQL, Redis, and a required secret', () => {
    assertDocumented(Object.keys(env), 'compose latchkey.environment')
    assert.equal(env.PORT, String(DEFAULT_PORT))
    assert.equal(new URL((env.LATCHKEY_DB ?? '').replace(/\$\{[^}]+\}/g, 'x')).host, 'postgres:5432')
    assert.equal(new URL(env.LATCHKEY_REDIS_URL ?? '').host, 'redis:6379')
    assert.match(env.LATCHKEY_SECRET ?? '', /^\$\{LATCHKEY_SECRET:\?/, 'compose refuses to start without it')
    assert.match(postgres?.environment?.POSTGRES_PASSWORD ?? '', /^\$\{POSTGRES_PASSWORD:\?/)
  })
})


describe('Kubernetes manifests (deploy/kubernetes)', () => {
  const dir = join(root, 'deploy/kubernetes')
  const files = (function walk(d: string): string[] {
    return readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : f.endsWith('.yaml') ? [join(d, f)] : []))
  })(dir)
  const objects = files.flatMap((file) =>
    parseAllDocuments(readFileSync(file, 'utf8')).map((doc) => {
      assert.deepEqual(doc.errors, [], file)
      return { file: file.slice(root.length), object: doc.toJS() as { apiVersion: string; kind: string; metadata: { name: string } } }
    }),
  )
  const models: Record<string, new (data: never) => { validate(): void }> = {
    'v1/ConfigMap': ConfigMap,
    'v1/Secret': Secret,
    'v1/Service': Service,
    'apps/v1/Deployment': Deployment,
    'batch/v1/Job': Job,
    'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
    'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  }
  const find = <T>(kind: string) => {
    const found = objects.filter((o) => o.object.kind === kind)
    assert.equal(found.length, 1, `one ${kind}`)
    return found[0]?.object as T
  }
  const deployment = find<IDeployment>('Deployment')
  const service = find<IService>('Service')
  const pdb = find<IPodDisruptionBudget>('PodDisruptionBudget')
  const hpa = find<IHorizontalPodAutoscaler>('HorizontalPodAutoscaler')
  const job = find<IJob>('Job')
  const configMap = find<IConfigMap>('ConfigMap')
  const secret = find<ISecret>('Secret')
  const pod = deployment.spec?.template.spec as IPodSpec
  const container = pod.containers[0] as IContainer
  const podLabels = deployment.spec?.template.metadata?.labels ?? {}
  const selects = (selector: Record<string, string> | undefined, labels: Record<string, string>) =>
    selector !== undefined && Object.entries(selector).every(([k, v]) => labels[k] === v)

  it("every manifest is valid against Kubernetes' schema for its kind", () => {
    assert.ok(files.length >= 7)
    for (const { file, object } of objects) {
      const Model = models[`${object.apiVersion}/${object.kind}`]
      assert.ok(Model, `${file}: ${object.apiVersion} ${object.kind} is not one of the kinds checked here`)
      assert.doesNotThrow(() => new Model(object as never).validate(), `${file}: ${object.kind} ${object.metadata.name}`)
    }
  })

  it('runs several nodes, rolling one at a time, at most one out by a voluntary disruption, scaled on CPU', () => {
    assert.ok((deployment.spec?.replicas ?? 1) >= 2)
    assert.equal(deployment.spec?.strategy?.rollingUpdate?.maxUnavailable, 0)
    assert.ok(selects(deployment.spec?.selector.matchLabels, podLabels))
    assert.ok(selects(pdb.spec?.selector?.matchLabels, podLabels), 'the PDB covers the nodes')
    assert.equal(pdb.spec?.maxUnavailable, 1)
    assert.deepEqual(hpa.spec?.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata?.name })
    assert.ok((hpa.spec?.minReplicas ?? 1) >= 2)
  })

  it('the Service, the probes and the server agree on the port; the probes ask endpoints that answer', async () => {
    const http = container.ports?.find((p) => p.name === 'http')
    assert.equal(http?.containerPort, DEFAULT_PORT)
    assert.equal(configMap.data?.PORT, String(DEFAULT_PORT))
    assert.equal(Number(configMap.data?.LATCHKEY_METRICS_PORT), container.ports?.find((p) => p.name === 'metrics')?.containerPort)
    assert.ok(selects(service.spec?.selector, podLabels), 'the Service selects the nodes')
    assert.ok(!selects(service.spec?.selector, job.spec?.template.metadata?.labels ?? {}), 'and not the migration Job')
    assert.ok(!selects(pdb.spec?.selector?.matchLabels, job.spec?.template.metadata?.labels ?? {}))
    assert.equal(service.spec?.ports?.[0]?.targetPort, 'http')
    const probes = { startup: container.startupProbe, liveness: container.livenessProbe, readiness: container.readinessProbe }
    for (const probe of Object.values(probes)) assert.equal(probe?.httpGet?.port, 'http')
    assert.equal(probes.liveness?.httpGet?.path, '/healthz', 'liveness never depends on the database')
    assert.equal(probes.readiness?.httpGet?.path, '/readyz')
    const server = await startTestServer()
    try {
      for (const [name, probe] of Object.entries(probes)) {
        const answer = await fetch(new URL((probe?.httpGet?.path ?? '').slice(1), server.url))
        assert.equal(answer.status, 200, `${name} probe ${probe?.httpGet?.path}`)
      }
    } finally {
      await server.close()
    }
  })

  it('drains: the pod is taken out of the endpoints, then SIGTERM has the 10 s a drain may take', () => {
    const sleep = container.lifecycle?.preStop?.exec?.command
    assert.deepEqual(sleep?.slice(0, 1), ['sleep'])
    assert.ok((pod.terminationGracePeriodSeconds ?? 30) >= Number(sleep?.[1]) + 10 + 5)
  })

  it('runs the image of this version, non-root, read-only, with the settings from the ConfigMap and the Secret', () => {
    for (const [name, spec] of [['Deployment', pod], ['Job', job.spec?.template.spec as IPodSpec]] as const) {
      const c = spec.containers[0] as IContainer
      assert.equal(c.image, `registry.example.com/latchkey:${VERSION}`, `${name} image`)
      assert.equal(spec.securityContext?.runAsNonRoot, true, name)
      assert.equal(spec.securityContext?.runAsUser, IMAGE_UID, `${name}: the Dockerfile's USER`)
      assert.equal(spec.enableServiceLinks, false, `${name}: no LATCHKEY_* variables injected by the Service`)
      assert.equal(c.securityContext?.readOnlyRootFilesystem, true, name)
      assert.equal(c.securityContext?.allowPrivilegeEscalation, false, name)
      assert.equal(c.resources?.limits?.memory !== undefined, true, `${name} memory limit`)
      assert.ok(c.envFrom?.some((e) => e.secretRef?.name === secret.metadata?.name), `${name} reads the Secret`)
    }
    assert.ok(container.envFrom?.some((e) => e.configMapRef?.name === configMap.metadata?.name))
    assertLatchkeyCommand(container.command ?? [], 'Deployment')
    assert.deepEqual(container.command?.slice(-1), ['serve'])
    assertDocumented(Object.keys(configMap.data ?? {}), 'ConfigMap')
    assertDocumented(Object.keys(secret.stringData ?? {}), 'Secret')
    assert.deepEqual(Object.keys(secret.stringData ?? {}).sort(), ['LATCHKEY_DB', 'LATCHKEY_SECRET'])
    assert.match(secret.stringData?.LATCHKEY_DB ?? '', /^postgres:\/\//, 'several nodes need PostgreSQL')
  })

  it("the example Secret's placeholder is refused: a node started with it stops at once", () => {
    assert.throws(() => parseSecrets(secret.stringData?.LATCHKEY_SECRET, undefined), /LATCHKEY_SECRET is too weak or malformed/)
  })

  it("the migration Job's command applies every migration and exits 0", async () => {
    const command = job.spec?.template.spec?.containers[0]?.command ?? []
    assertLatchkeyCommand(command, 'Job')
    assert.equal(job.spec?.template.spec?.restartPolicy, 'Never')
    const tmp = mkdtempSync(join(tmpdir(), 'latchkey-migrate-'))
    try {
      const db = `sqlite:${join(tmp, 'latchkey.db')}`
      const args = command.slice(command.indexOf('packages/server/bin/latchkey.js') + 1)
      const status = async () => JSON.parse((await runLatchkey(['db', 'status', '--json'], { env: { ...envWithoutDb(), LATCHKEY_DB: db } })).stdout).pending
      assert.ok((await status()).length > 0, 'db status on a new database: every migration pending')
      assert.ok((await status()).length > 0, 'and db status changed nothing')
      const result = await runLatchkey(args, { env: { ...envWithoutDb(), LATCHKEY_DB: db } })
      assert.equal(result.code, 0, result.stderr)
      assert.deepEqual(await status(), [])
      assert.match(result.stdout, /^Applied \d+ migrations: 0001-init, .*The database is up to date/)
      const again = await runLatchkey(args, { env: { ...envWithoutDb(), LATCHKEY_DB: db } })
      assert.match(again.stdout, /^The database is up to date \(\d+ migrations\)/, 'a second run has nothing to do')
      const store = await openStore(db)
      try {
        const status = await store.migrationStatus()
        assert.deepEqual(status.pending, [])
        assert.ok(status.applied.length > 0)
      } finally {
        await store.close()
      }
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  })
})

describe('docs/deploy.md', () => {
  const doc = read('docs/deploy.md')
  it('says how to build and run the image, with compose, and on Kubernetes', () => {
    assert.match(doc, /^## Container image$/m)
    assert.match(doc, /^## Kubernetes$/m)
    assert.match(doc, new RegExp(`docker build -t latchkey:${VERSION.replaceAll('.', '\\.')} \\.`))
    assert.match(doc, /docker compose up/)
    assert.match(doc, /kubectl apply -f deploy\/kubernetes\/jobs\/migrate\.yaml/)
    assert.match(read('README.md'), /docs\/deploy\.md#container-image/)
  })
})
