/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one list of a VM's statistics: every field of &struct s2mmu_stats
 * after @version and @size, in the order of the uapi structure, each with
 * where its value comes from.  An X-macro list: the includer defines the
 * three macros, includes this file, and undefines them.
 *
 * S2MMU_STAT_VM(name)		the VM's own counter, s2mmu_vm_stat(vm, name)
 * S2MMU_STAT_ENG(name, field)	the engine's counter @field of &struct
 *				s2_stats, summed over CPUs by s2_stats_read()
 * S2MMU_STAT_NOW(name)		a current value, read by s2mmu_vm_stats()
 *
 * Users: the VM's counters (enum s2mmu_vm_stat_id in s2mmu_vm.h) and
 * S2MMU_GET_STATS and the debugfs "stats" file (stats.c).  Adding a
 * counter: a uapi field (taking a reserved word), one line here, and the
 * code that counts it.  No include guard: included once per use.
 */
S2MMU_STAT_VM(faults_translation)
S2MMU_STAT_VM(faults_access)
S2MMU_STAT_VM(faults_permission)
S2MMU_STAT_VM(faults_spurious)
S2MMU_STAT_VM(fault_retries)
S2MMU_STAT_VM(mmio_exits)
S2MMU_STAT_ENG(bbm, bbm)
S2MMU_STAT_ENG(tlbi_ipa, tlbi_ipa)
S2MMU_STAT_ENG(tlbi_range, tlbi_range)
S2MMU_STAT_ENG(tlbi_vmid, tlbi_vmid)
S2MMU_STAT_ENG(tlbi_local, tlbi_local)
S2MMU_STAT_ENG(relax_perms, relax_perms)
S2MMU_STAT_VM(access_flag_set)
S2MMU_STAT_ENG(mapped_l1, mapped[1])
S2MMU_STAT_ENG(mapped_l2, mapped[2])
S2MMU_STAT_ENG(mapped_l3, mapped[3])
S2MMU_STAT_VM(zero_page_maps)
S2MMU_STAT_VM(dirty_marked)
S2MMU_STAT_NOW(table_pages)
S2MMU_STAT_NOW(pages_pinned)
S2MMU_STAT_NOW(memslots)
S2MMU_STAT_NOW(vcpus)
S2MMU_STAT_VM(notifier_invalidations)
S2MMU_STAT_VM(young_found)
S2MMU_STAT_NOW(hwt_translated)
S2MMU_STAT_NOW(hwt_fallbacks)
S2MMU_STAT_NOW(hwt_mismatches)
S2MMU_STAT_VM(gva_hw)
S2MMU_STAT_VM(gva_fallbacks)
S2MMU_STAT_VM(gva_sw)
S2MMU_STAT_VM(mem_access_read)
S2MMU_STAT_VM(mem_access_write)
S2MMU_STAT_VM(mem_access_exec)
S2MMU_STAT_VM(mem_access_walk)
S2MMU_STAT_VM(mem_access_converted)
S2MMU_STAT_VM(info_page_mismatches)
S2MMU_STAT_NOW(views)
S2MMU_STAT_NOW(view_tlbi)
S2MMU_STAT_VM(view_faults)
S2MMU_STAT_VM(view_maps)
S2MMU_STAT_VM(view_propagations)
S2MMU_STAT_VM(view_fallbacks)
S2MMU_STAT_VM(view_rmap_hits)
S2MMU_STAT_VM(view_rmap_mismatches)
S2MMU_STAT_ENG(dirty_log_walks, wp_mask_walks)
S2MMU_STAT_ENG(dirty_log_leaves, wp_mask_leaves)
S2MMU_STAT_ENG(dirty_log_protected, wp_mask_protected)
S2MMU_STAT_VM(dirty_log_lock_holds)
S2MMU_STAT_VM(dirty_log_words)
S2MMU_STAT_VM(dirty_log_user_copies)
S2MMU_STAT_VM(dcache_clean_pages)
S2MMU_STAT_ENG(icache_sync_pages, icache_pages)
S2MMU_STAT_ENG(table_walks, walks)
