/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one list of the phase profile's phases (stats.c, module parameter
 * "profile", debugfs s2mmu/profile), in the order debugfs shows them: an
 * X-macro list, as include/s2mmu_stats.h is for the counters.  The
 * includer defines S2MMU_PROF(id, name), includes this file and undefines
 * it.  @id names the phase in code (S2MMU_PROF_<id>, for
 * s2mmu_prof_start()/s2mmu_prof_end()), @name in debugfs.
 *
 * Users: enum s2mmu_prof_id (s2mmu.h) and the names stats.c shows.  No
 * include guard: included once per use.
 */
S2MMU_PROF(GUEST_FAULT, guest_fault)		/* s2mmu_handle_guest_fault(), whole */
S2MMU_PROF(FAULT_LOOKUP, fault_lookup)		/* restriction, slot, busy range */
S2MMU_PROF(FIX_IN_PLACE, fix_in_place)		/* step 3, whole */
S2MMU_PROF(FAULT_LOCK, fault_lock_wait)		/* waiting for mmu_lock (read) */
S2MMU_PROF(RELAX, relax)			/* s2_relax_perms(), its local TLBI in */
S2MMU_PROF(MARK_DIRTY, mark_dirty)		/* pin tag, log bit, counter */
S2MMU_PROF(RESOLVE, resolve_page)		/* step 4: pin the host page(s) */
S2MMU_PROF(MAP, map_fault)			/* step 5: s2mmu_map_fault(), whole */
S2MMU_PROF(INFO_PUBLISH, info_publish)		/* s2mmu_info_publish() */
S2MMU_PROF(EL2_LOCK, el2_lock_wait)		/* waiting for an EL2 window */
S2MMU_PROF(TLBI_LOCAL, tlbi_local_window)	/* a local-invalidation window */
S2MMU_PROF(TLBI_BCAST, tlbi_broadcast_window)	/* a broadcast-invalidation window */
S2MMU_PROF(LOG_CALL, log_ioctl)			/* a GET or CLEAR ioctl, whole */
S2MMU_PROF(LOG_LOCK, log_lock_wait)		/* waiting for mmu_lock (write) */
S2MMU_PROF(LOG_WALK, log_wrprotect)		/* s2_wrprotect_mask(), flush in */
S2MMU_PROF(LOG_COPY, log_copy)			/* bitmap copies to/from the caller */
