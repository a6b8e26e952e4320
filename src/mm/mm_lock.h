/*
 * mm_lock.h - the spinlock that makes the MM allocators safe to call from
 * several CPUs at once.
 *
 * One int: 0 free, 1 held. Taking it swaps in a 1 until the old value was
 * 0 (an atomic exchange with acquire ordering: nothing inside the critical
 * section moves before it); while someone else holds it we only read it
 * (cheap: the cache line stays shared) and pause. Releasing is a store of 0
 * with release ordering. The allocators are never called from interrupt
 * handlers, so interrupts need not be disabled while holding it.
 */
#ifndef MM_LOCK_H
#define MM_LOCK_H

#include "mm_env.h"

struct mm_spinlock {
	int locked;
};

#define MM_SPINLOCK_INIT                                                                                     \
	{                                                                                                    \
		0                                                                                            \
	}

static inline void mm_spin_lock(struct mm_spinlock *lock)
{
	while (__atomic_exchange_n(&lock->locked, 1, __ATOMIC_ACQUIRE) != 0)
		while (__atomic_load_n(&lock->locked, __ATOMIC_RELAXED) != 0)
			mm_cpu_relax();
}

static inline void mm_spin_unlock(struct mm_spinlock *lock)
{
	__atomic_store_n(&lock->locked, 0, __ATOMIC_RELEASE);
}

#endif /* MM_LOCK_H */
