// Core's artifactCheck (report/tables.ts) in C++: the check of the report
// tables artifact and of pledge()'s cache entries. Plain C++.
#ifndef SECCOMP_SCOPES_REPORT_ARTIFACT_CHECK_H_
#define SECCOMP_SCOPES_REPORT_ARTIFACT_CHECK_H_

#include <cstddef>
#include <cstdint>

namespace seccomp_scopes {

// Two 32-bit multiplicative hashes of n bytes at p over their little-endian u32 words, the tail bytes into the
// first; core prints them as 16 hex digits, *first then *second.
inline void ArtifactCheckWords(const uint8_t* p, size_t n, uint32_t* first, uint32_t* second) {
  uint32_t a = 0x811c9dc5u ^ static_cast<uint32_t>(n);
  uint32_t b = 0x9e3779b9u;
  const size_t words = n / 4;
  for (size_t i = 0; i < words; i++) {
    const uint32_t x = static_cast<uint32_t>(p[i * 4]) | static_cast<uint32_t>(p[i * 4 + 1]) << 8 |
                       static_cast<uint32_t>(p[i * 4 + 2]) << 16 | static_cast<uint32_t>(p[i * 4 + 3]) << 24;
    a = (a ^ x) * 0x01000193u;
    b = ((b ^ x) * 0x85ebca6bu) ^ (b >> 15);
  }
  for (size_t i = words * 4; i < n; i++) a = (a ^ p[i]) * 0x01000193u;
  *first = a;
  *second = b;
}

}  // namespace seccomp_scopes

#endif  // SECCOMP_SCOPES_REPORT_ARTIFACT_CHECK_H_
