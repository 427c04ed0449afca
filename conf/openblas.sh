# Sourced by ./submit and .ci/run: chooses OpenBLAS's matrix kernels from the CPU's instruction sets.
#
# ND4J 1.0.0-M2 bundles OpenBLAS 0.3.19, which picks its kernels by CPU model number. On CPUs newer
# than that release it falls back to generic SSE3 kernels ("Prescott"): on the CI machine kind
# (Xeon, family 6 model 207, AVX-512) sgemm ran at 24 GFLOP/s per core that way against 82 with the
# AVX-512 ("SkylakeX") kernels (measured, OPENBLAS_VERBOSE=2 prints the choice). Here the
# instruction sets decide instead. A value already in the environment is kept; an unknown CPU with
# neither AVX2 nor AVX-512 is left to OpenBLAS's own detection.
if [ -z "${OPENBLAS_CORETYPE:-}" ] && [ -r /proc/cpuinfo ]; then
  # No "flags" line (not x86) leaves them empty; under `set -e -o pipefail` nothing here may fail.
  _maf_flags=" $(sed -n 's/^flags[[:space:]]*:\(.*\)/\1/p' /proc/cpuinfo 2>/dev/null | head -n 1 || true) "
  _maf_has() {
    local f
    for f in "$@"; do
      case "$_maf_flags" in *" $f "*) ;; *) return 1 ;; esac
    done
  }
  if _maf_has avx512f avx512cd avx512bw avx512dq avx512vl; then
    export OPENBLAS_CORETYPE=SkylakeX
  elif _maf_has avx2 fma; then
    export OPENBLAS_CORETYPE=Haswell
  fi
  unset -f _maf_has
  unset _maf_flags
fi
