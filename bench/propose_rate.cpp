// propose_rate: proposals/s of the flow's forward pass alone on every rank of
// the job: each rank draws its share of blocks of sample.batch proposals from
// the prior and computes phi = f(z), log q and the action (w = -S - log q),
// exactly as `flowlat sample` proposes, but with no chain, no communication
// and no output. The rate `flowlat sample` is measured against
// (bench/sample_scaling.sh).
// usage: mpiexec -n N propose_rate --flow.model=<model.h5> [--sample.batch=256]
//        [--sample.proposals=20000] [--sample.thermalization=100] [other --key=value]
// prints: forward_only ranks N proposals P seconds S cpu_seconds C proposals_per_second R
// (S: wall time of the slowest rank; C: CPU time summed over the ranks, which
// the load of a shared machine dilates less)
#include <Kokkos_Core.hpp>
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

#include "flowlat/core/config.hpp"
#include "flowlat/core/mpi_context.hpp"
#include "flowlat/core/philox.hpp"
#include "flowlat/flow/flow.hpp"
#include "flowlat/flow/flow_samples.hpp"
#include "flowlat/io/model_file.hpp"
#include "flowlat/theory/theory.hpp"

using namespace flowlat;

namespace {

struct Seconds {
  double wall = 0, cpu = 0;  // cpu: this rank's
};

Seconds forward_only_seconds(const Config& config, const MpiContext& mpi, long long total) {
  const Geometry geometry(config.get_int_list("lattice.shape"));
  const auto theory = make_theory(config, geometry);
  const ModelFileContents model = read_model_file(config.get_string("flow.model"));
  const index_t block = config.get_int("sample.batch");
  const ChainRange share = mpi.split(block);
  const index_t cap = std::max<index_t>(share.count, 1);
  Flow flow(*theory, model.architecture, cap);
  restore_model(model, flow, nullptr);
  Field z("z", cap, theory->dof()), phi("phi", cap, theory->dof());
  BatchScalar log_q("log_q", cap), log_w("log_w", cap);
  const auto seed = std::uint64_t(config.get_int("run.seed"));
  const auto propose = [&](long long first) {
    flow.prior().draw(z, share.count, seed, first + share.begin, RandomPurpose::FlowPrior, 0);
    flow_proposals(flow, *theory, z, share.count, phi, log_q, log_w);
    Kokkos::fence();
  };
  propose(0);  // warm-up: first-touch of every buffer
  MPI_Barrier(mpi.comm());
  const double start = MPI_Wtime();
  const std::clock_t cpu_start = std::clock();
  for (long long first = 0; first < total; first += block) propose(first);
  const double cpu = double(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  MPI_Barrier(mpi.comm());
  return {MPI_Wtime() - start, cpu};
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rc = 0;
  {
    Kokkos::ScopeGuard kokkos(argc, argv);
    const MpiContext mpi;
    try {
      const Config config = Config::load("", std::vector<std::string>(argv + 1, argv + argc));
      // as many proposals as `flowlat sample` makes with the same keys
      const long long total =
          config.get_int("sample.thermalization") + config.get_int("sample.proposals");
      const Seconds seconds = forward_only_seconds(config, mpi, total);
      double cpu = 0;
      MPI_Reduce(&seconds.cpu, &cpu, 1, MPI_DOUBLE, MPI_SUM, 0, mpi.comm());
      if (mpi.is_root())
        std::printf("forward_only ranks %d proposals %lld seconds %.4f cpu_seconds %.4f "
                    "proposals_per_second %.1f\n",
                    mpi.size(), total, seconds.wall, cpu, double(total) / seconds.wall);
    } catch (const std::exception& e) {
      if (mpi.is_root()) std::fprintf(stderr, "propose_rate: %s\n", e.what());
      rc = 2;
    }
  }
  MPI_Finalize();
  return rc;
}
