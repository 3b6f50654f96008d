/** The users page's data: everyone who may sign in, and the changes a manager makes to them. */
import { createResource } from 'solid-js';
import { api, bodyOf, byId, type NewUser, type UserView } from '../api.js';

export const ROLES = ['user', 'manager'] as const;
export type Role = (typeof ROLES)[number];

export function loadUsers() {
  const [users, { refetch }] = createResource(async () => (await bodyOf(api.users.$get())).users);
  return { users, refetch };
}

/** Without a password: the API generates one and answers it once (initialPassword). */
export function addUser(email: string, role: Role): Promise<NewUser> {
  return bodyOf(api.users.$post({ json: { email, role } }));
}

export function changeRole(user: UserView, role: Role): Promise<UserView> {
  return bodyOf(api.users[':id'].$patch({ param: byId(user.id), json: { role } }));
}

export function setDisabled(user: UserView, disabled: boolean): Promise<UserView> {
  return bodyOf(api.users[':id'].$patch({ param: byId(user.id), json: { disabled } }));
}

export async function removeUser(user: UserView): Promise<void> {
  await bodyOf(api.users[':id'].$delete({ param: byId(user.id) }));
}
