/**
 * Opens a URL in the system browser: `open` on macOS, `start` on Windows, `xdg-open` elsewhere.
 * Resolves false when there is none (no command, no display, or the command failed), so the
 * caller can print the URL instead.
 */
import { spawn } from 'node:child_process'

function command(url: string): { file: string; args: string[]; verbatim: boolean } | null {
  if (process.platform === 'darwin') return { file: 'open', args: [url], verbatim: false }
  // `start` is a cmd built-in; its first quoted argument is a window title. Quotes keep & literal.
  if (process.platform === 'win32') return { file: 'cmd', args: ['/d', '/s', '/c', `start "" "${url}"`], verbatim: true }
  if (!process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) return null
  return { file: 'xdg-open', args: [url], verbatim: false }
}

export function openSystemBrowser(url: string): Promise<boolean> {
  const cmd = command(url)
  if (!cmd) return Promise.resolve(false)
  return new Promise((resolve) => {
    const child = spawn(cmd.file, cmd.args, { stdio: 'ignore', detached: true, windowsVerbatimArguments: cmd.verbatim })
    // Openers normally exit at once; one still running after a moment has handed the URL over.
    const timer = setTimeout(() => {
      child.unref()
      resolve(true)
    }, 3000)
    timer.unref()
    child.once('error', () => {
      clearTimeout(timer)
      resolve(false)
    })
    child.once('exit', (code) => {
      clearTimeout(timer)
      resolve(code === 0)
    })
  })
}
