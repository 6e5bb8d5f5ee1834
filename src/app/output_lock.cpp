// OutputLock: an exclusive lock file next to an output, holding pid and host.
#include "output_lock.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <utility>

#include "flowlat/core/error.hpp"

namespace flowlat {

namespace {

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "unknown-host";
  return name;
}

// O_EXCL: of two runs racing for the same output exactly one creates the
// file. Returns 0 or the errno of the failure.
int create_exclusive(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  const std::string text = std::to_string(getpid()) + " " + host_name() + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == ssize_t(text.size());
  const int code = written ? 0 : (errno ? errno : EIO);
  if (::close(fd) != 0 || code != 0) {
    ::unlink(path.c_str());
    return code ? code : EIO;
  }
  return 0;
}

InputError cannot_create(const std::string& key, const std::string& lock, int code) {
  return InputError(key + ": cannot create the lock file '" + lock + "' (" + std::strerror(code) +
                    ")");
}

}  // namespace

OutputLock::OutputLock(const std::string& key, const std::string& output) {
  const std::string lock = output + ".lock";
  const int code = create_exclusive(lock);
  if (code == 0) {
    path_ = lock;
    return;
  }
  if (code != EEXIST) throw cannot_create(key, lock, code);

  // Someone holds it: who, and is that run still alive?
  long long pid = 0;
  std::string host;
  std::ifstream(lock) >> pid >> host;
  const std::string holder = pid > 0 && !host.empty() ? "pid " + std::to_string(pid) + " on " + host
                                                      : "an unreadable holder";
  const bool here = host == host_name();
  const bool gone = pid > 0 && here && ::kill(pid_t(pid), 0) != 0 && errno == ESRCH;
  if (!gone)
    throw InputError(key + ": '" + output + "' is being written by another flowlat run (" + holder +
                     ", lock file '" + lock + "'); if that run is gone, remove the lock file");
  std::cout << "flowlat: note: replacing the stale lock '" << lock << "' of " << holder
            << " (no longer running)" << std::endl;
  ::unlink(lock.c_str());
  // another run may have replaced it first: then that one holds the output
  if (const int again = create_exclusive(lock)) throw cannot_create(key, lock, again);
  path_ = lock;
}

OutputLock::OutputLock(OutputLock&& other) noexcept : path_(std::exchange(other.path_, {})) {}

OutputLock& OutputLock::operator=(OutputLock&& other) noexcept {
  if (this != &other) {
    release();
    path_ = std::exchange(other.path_, {});
  }
  return *this;
}

OutputLock::~OutputLock() { release(); }

void OutputLock::release() noexcept {
  if (!path_.empty()) ::unlink(path_.c_str());
  path_.clear();
}

}  // namespace flowlat
