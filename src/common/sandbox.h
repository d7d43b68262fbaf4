/*
 * sandbox.h: the per-role system call policy, applied after every file
 * and socket the role needs is open (architecture.md §2.3).  One
 * implementation per OS: sandbox_seccomp.c, sandbox_pledge.c,
 * sandbox_none.c.
 */
#ifndef CG_SANDBOX_H
#define CG_SANDBOX_H

enum sandbox_role { SANDBOX_AUTHD, SANDBOX_WORKER };

/*
 * Apply the policy for `role'.  With `debug', a forbidden call is
 * reported to the master (its number and name) before the process exits,
 * instead of the kernel killing it silently.  Fatal on failure.
 */
void		sandbox_apply(enum sandbox_role role, int debug);
/* "seccomp", "pledge" or "none". */
const char	*sandbox_kind(void);

#endif /* CG_SANDBOX_H */
