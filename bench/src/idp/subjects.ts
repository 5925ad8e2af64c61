/**
 * Subject names carry their role count, so the IdP stand-in needs no user table:
 * `u<count>-<id>` holds `<count>` roles (at least 1: `orders-viewer`, the one the policy knows).
 */
export function subjectName(roles: number, id: string | number): string {
  return `u${roles}-${id}`;
}

export function rolesOf(sub: string): number {
  const m = /^u(\d+)-/.exec(sub);
  return m ? Math.max(1, Math.min(100_000, Number(m[1]))) : 1;
}
