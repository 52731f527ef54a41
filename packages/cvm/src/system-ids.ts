/**
 * User and group names to numbers, for CVM_SOCKET_OWNER and
 * CVM_SOCKET_GROUP. Node has no getpwnam, so the local files are read
 * (names served only by NSS modules such as LDAP are not found: give the
 * number instead).
 */
import { readFileSync } from 'node:fs';

/** A number as is, or the entry of that name in a passwd/group style file. */
function resolve(name: string, file: string): { id: number; gid: number | undefined } | undefined {
  if (/^[0-9]+$/.test(name)) return { id: Number(name), gid: undefined };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const fields = line.split(':');
    if (fields[0] === name && fields.length >= 4 && /^[0-9]+$/.test(fields[2]!)) {
      return { id: Number(fields[2]), gid: /^[0-9]+$/.test(fields[3]!) ? Number(fields[3]) : undefined };
    }
  }
  return undefined;
}

/** A user: its uid, and for a name its primary gid (cvm sets the socket's group to it too). */
export function resolveUser(name: string, passwdFile = '/etc/passwd'): { uid: number; gid: number | undefined } | undefined {
  const found = resolve(name, passwdFile);
  return found && { uid: found.id, gid: found.gid };
}

export function resolveGroup(name: string, groupFile = '/etc/group'): number | undefined {
  return resolve(name, groupFile)?.id;
}
