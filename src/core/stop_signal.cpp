// Signal handlers that only record the signal (async-signal-safe), and the
// collective poll of that record.
#include "flowlat/core/stop_signal.hpp"

#include <csignal>

namespace flowlat {

namespace {

volatile std::sig_atomic_t g_signal = 0;
constexpr int kSignals[] = {SIGTERM, SIGINT, SIGUSR1};
struct sigaction g_previous[3];

extern "C" void record_stop_signal(int signal) {
  if (g_signal != 0) {  // the second signal: no clean stop, end now
    std::signal(signal, SIG_DFL);
    std::raise(signal);
    return;
  }
  g_signal = signal;
}

}  // namespace

StopSignalGuard::StopSignalGuard() {
  g_signal = 0;
  struct sigaction action = {};
  action.sa_handler = record_stop_signal;
  sigemptyset(&action.sa_mask);
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &action, &g_previous[i]);
}

StopSignalGuard::~StopSignalGuard() {
  for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &g_previous[i], nullptr);
}

bool stop_requested(const MpiContext& mpi) {
  int mine = g_signal != 0 ? 1 : 0, any = 0;
  MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_MAX, mpi.comm());
  return any != 0;
}

std::string stop_signal_name() {
  switch (g_signal) {
    case SIGTERM: return "SIGTERM";
    case SIGINT: return "SIGINT";
    case SIGUSR1: return "SIGUSR1";
    default: return g_signal != 0 ? "a signal" : "";
  }
}

}  // namespace flowlat
