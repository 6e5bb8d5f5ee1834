// RAII for HDF5 identifiers (one move-only template over the close function)
// and the check that turns a failed HDF5 call into flowlat::RuntimeFailure.
#pragma once
#include <hdf5.h>

#include <string>
#include <utility>

#include "flowlat/core/error.hpp"

namespace flowlat::h5 {

// Owns one hid_t and closes it with `Close` (H5Fclose, H5Gclose, ...).
template <herr_t (*Close)(hid_t)>
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) noexcept : id_(id) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
    }
    return *this;
  }
  ~Handle() { reset(); }

  hid_t get() const noexcept { return id_; }
  explicit operator bool() const noexcept { return id_ >= 0; }

  // Closes now, ignoring the status (destructors, error paths).
  void reset() noexcept {
    if (id_ >= 0) Close(id_);
    id_ = H5I_INVALID_HID;
  }
  // Closes now and returns the status (where a failed close matters: files).
  herr_t close() noexcept {
    const herr_t status = id_ >= 0 ? Close(id_) : 0;
    id_ = H5I_INVALID_HID;
    return status;
  }
  hid_t release() noexcept { return std::exchange(id_, H5I_INVALID_HID); }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

using File = Handle<H5Fclose>;
using Group = Handle<H5Gclose>;
using Dataset = Handle<H5Dclose>;
using Dataspace = Handle<H5Sclose>;
using PropList = Handle<H5Pclose>;
using Datatype = Handle<H5Tclose>;
using Attribute = Handle<H5Aclose>;

// Stops HDF5 printing its error stack to stderr: flowlat reports errors
// itself, as exceptions (call before any HDF5 call whose failure is handled).
inline void silence_errors() noexcept { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

namespace detail {
struct ErrorText {
  std::string top, cause;
};
inline herr_t collect_error(unsigned n, const H5E_error2_t* e, void* data) {
  auto* text = static_cast<ErrorText*>(data);
  // walking downward: the first record is the API call, the last the cause
  if (e && e->desc && *e->desc) (n == 0 ? text->top : text->cause) = e->desc;
  return 0;
}
}  // namespace detail

// The current HDF5 error stack in one line ("what the call said: the deepest
// cause"), and clears the stack.
inline std::string take_error_text() {
  detail::ErrorText text;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, detail::collect_error, &text);
  H5Eclear2(H5E_DEFAULT);
  if (text.cause.empty() || text.cause == text.top) return text.top;
  return text.top.empty() ? text.cause : text.top + ": " + text.cause;
}

// Returns `value` (an hid_t, herr_t or htri_t) unless it is negative; then
// throws RuntimeFailure "HDF5: <what> failed (<HDF5's reason>)". `what` names
// the object and file, e.g. "create dataset /ensemble/configs in 'run.h5'".
template <class T>
T check(T value, const std::string& what) {
  if (value < 0) {
    const std::string reason = take_error_text();
    throw RuntimeFailure("HDF5: " + what + " failed" + (reason.empty() ? "" : " (" + reason + ")"));
  }
  return value;
}

}  // namespace flowlat::h5
