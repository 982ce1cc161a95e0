// Helper ids from `enum bpf_func_id` in linux/bpf.h (the __BPF_FUNC_MAPPER order).
export const BPF_FUNC_map_lookup_elem = 1;
export const BPF_FUNC_map_update_elem = 2;
export const BPF_FUNC_map_delete_elem = 3;
export const BPF_FUNC_ktime_get_ns = 5;
