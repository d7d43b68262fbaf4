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
 * instead of the kernel killing it silently.  `dirfd' (authd only, else
 * -1) is the one directory whose files the process may create, read,
 * replace and remove, through the *at() calls relative to it.  Fatal on
 * failure.
 */
void		sandbox_apply(enum sandbox_role role, int debug, int dirfd);
/* "seccomp", "pledge" or "none". */
const char	*sandbox_kind(void);

#endif /* CG_SANDBOX_H */
