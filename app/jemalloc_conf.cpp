// jemalloc's built-in options for every program that links it (CMakeLists.txt adds this object
// to SUBLAB_MALLOC_LIBS; jemalloc reads the symbol `malloc_conf` at start).
//
// muzzy_decay_ms:-1: freed pages are handed back to the kernel lazily (MADV_FREE, which it
// reclaims when memory is short) and never forcibly unmapped (MADV_DONTNEED). With the default
// (forced unmapping after the decay), a training step that frees and reallocates the same
// multi-megabyte tensors every step page-faulted them back in each time: bench_lm trained at
// 42–43k tokens/s with the default and 63–66k with this option (1 thread, same machine,
// alternated). MALLOC_CONF in the environment still overrides it.
extern "C" {
extern const char* malloc_conf;
const char* malloc_conf = "muzzy_decay_ms:-1";
}
