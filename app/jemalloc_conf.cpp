// jemalloc's built-in options for every program that links it (CMakeLists.txt adds this object
// to SUBLAB_MALLOC_LIBS; jemalloc reads the symbol `malloc_conf` at start).
//
// muzzy_decay_ms:-1: freed pages are handed back to the kernel lazily (MADV_FREE, which it
// reclaims when memory is short) and never forcibly unmapped (MADV_DONTNEED). With the default
// (forced unmapping after the decay), a training step that frees and reallocates the same
// multi-megabyte tensors every step page-faulted them back in each time: bench_lm trained at
// 42–43k tokens/s with the default and 63–66k with this option (1 thread, same machine,
// alternated).
//
// oversize_threshold:0: no separate arena for allocations of 8 MiB and more. jemalloc serves
// those from a dedicated arena whose freed pages it returns to the kernel at once, so a tensor of
// that size allocated every step (the logits and their gradient at batch 64 x 47 positions x
// 1,050 tokens: 12.6 MB) was page-faulted in anew every step. Reference pretraining of
// owl-numbers-quick took 104 ms a step with it and 41 ms without (2 threads, AMD EPYC, whose
// virtual machine makes page faults costly; bench_lm's 6.5 MB logits stayed below the threshold).
//
// MALLOC_CONF in the environment still overrides both.
extern "C" {
extern const char* malloc_conf;
const char* malloc_conf = "muzzy_decay_ms:-1,oversize_threshold:0";
}
