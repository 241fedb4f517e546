// TEMPORARY: `sublab` entry point placeholder until the CLI lands.
#include <cstdio>
int main() { std::puts("sublab: CLI not built yet"); return 1; }
