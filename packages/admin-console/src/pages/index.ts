/**
 * The console's sections, in the navigation's order: each its path below `/admin/`, its label, its
 * page, and the page of one of its items (`/admin/{path}/{id}`; `new` creates one) where it has
 * items. A new page is one entry here.
 */
import type { FunctionComponent } from 'preact'
import type { Session } from '../ui.js'
import { ActionPage, ActionsPage } from './actions.js'
import { ActivityPage } from './activity.js'
import { ApiPage, ApisPage } from './apis.js'
import { ApplicationPage, ApplicationsPage } from './applications.js'
import { ConnectionPage, ConnectionsPage } from './connections.js'
import { GettingStartedPage } from './getting-started.js'
import { KeysPage } from './keys.js'
import { LogPage, LogsPage } from './logs.js'
import { OrganizationPage, OrganizationsPage } from './organizations.js'
import { RolePage, RolesPage } from './roles.js'
import { SettingsPage } from './settings.js'
import { UserPage, UsersPage } from './users.js'

export interface Section {
  /** Below the console's base path; `''` is Getting started. */
  readonly path: string
  readonly label: string
  readonly page: FunctionComponent<{ session: Session }>
  /** One item; without `id`, the form creating one. */
  readonly item?: FunctionComponent<{ session: Session; id?: string }>
}

export const SECTIONS: readonly Section[] = [
  { path: '', label: 'Getting started', page: GettingStartedPage },
  { path: 'activity', label: 'Activity', page: ActivityPage },
  { path: 'applications', label: 'Applications', page: ApplicationsPage, item: ApplicationPage },
  { path: 'apis', label: 'APIs', page: ApisPage, item: ApiPage },
  { path: 'connections', label: 'Connections', page: ConnectionsPage, item: ConnectionPage },
  { path: 'users', label: 'Users', page: UsersPage, item: UserPage },
  { path: 'roles', label: 'Roles', page: RolesPage, item: RolePage },
  { path: 'organizations', label: 'Organizations', page: OrganizationsPage, item: OrganizationPage },
  { path: 'actions', label: 'Actions', page: ActionsPage, item: ActionPage },
  { path: 'logs', label: 'Logs', page: LogsPage, item: LogPage },
  { path: 'keys', label: 'Signing keys', page: KeysPage },
  { path: 'settings', label: 'Settings', page: SettingsPage },
]

/** For routeOf: which sections there are and which have items. */
export const SECTION_PATHS: ReadonlyMap<string, { readonly items: boolean }> = new Map(SECTIONS.map((s) => [s.path, { items: s.item !== undefined }]))
