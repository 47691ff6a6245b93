// Linked into executables of the sanitizer build only (PARAKIT_SANITIZE). Open MPI loads its components
// with dlopen and unloads them in MPI_Finalize; LeakSanitizer reports at exit, when those libraries
// are gone, so it can neither name nor suppress what they left allocated. A dlclose that keeps every
// library loaded lets tests/lsan.supp suppress MPI's allocations by library name, while leaks of
// parakit's own code are still reported.
extern "C" int dlclose(void* /*handle*/) {
  return 0;
}
