// TEMPORARY placeholder until the storage module lands.
namespace sublab {}
