// What the UI offers per role. The core enforces the same matrix
// (posko-domain role.rs); this only hides buttons a user could not use.
import type { Role } from './bindings';

const STAFF: Role[] = ['petugas', 'kepala', 'admin'];

export const can = {
  createComplaint: (r: Role) => STAFF.includes(r),
  transition: (r: Role) => STAFF.includes(r),
  draftFollowUp: (r: Role) => STAFF.includes(r),
  approveFollowUp: (r: Role) => r === 'kepala' || r === 'admin',
  viewIdentity: (r: Role) => STAFF.includes(r),
  editSettings: (r: Role) => r === 'kepala' || r === 'admin',
  manageUsers: (r: Role) => r === 'admin',
  operateSync: (r: Role) => STAFF.includes(r),
  runReports: (r: Role) => r === 'kepala' || r === 'admin' || r === 'pemantau',
  viewAudit: (r: Role) => r === 'admin',
  manageStore: (r: Role) => r === 'admin',
  dataSubject: (r: Role) => r === 'admin',
};
