// OutputLock: "<output>.lock", proof that this run is the one writing an
// output file; two runs writing one file would interleave HDF5 blocks or
// rename model files over each other.
#pragma once
#include <string>

namespace flowlat {

class OutputLock {
 public:
  OutputLock() = default;  // holds no lock (ranks other than 0)
  // Creates `output`.lock with O_CREAT | O_EXCL, holding "<pid> <host>". A lock
  // left by a run that is gone (its pid not alive on this host) is replaced,
  // with a note on stdout. Throws InputError naming `key` when a live run (or
  // one on another host, which cannot be checked) holds it, or the lock file
  // cannot be created.
  OutputLock(const std::string& key, const std::string& output);
  OutputLock(OutputLock&& other) noexcept;
  OutputLock& operator=(OutputLock&& other) noexcept;
  OutputLock(const OutputLock&) = delete;
  OutputLock& operator=(const OutputLock&) = delete;
  // Removes the lock file (normal end, exceptions). A killed process leaves
  // it behind: the next run finds it stale.
  ~OutputLock();

  const std::string& path() const { return path_; }

 private:
  void release() noexcept;
  std::string path_;  // empty: nothing held
};

}  // namespace flowlat
