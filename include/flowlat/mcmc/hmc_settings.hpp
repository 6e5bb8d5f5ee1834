// The HMC a run's [hmc] keys describe: integrator, nominal trajectory and
// how trajectory lengths are drawn. One place, so `hmc`, the hybrid chains
// and the tests of the defaults build the same sampler.
#pragma once
#include "flowlat/core/config.hpp"
#include "flowlat/mcmc/hmc.hpp"
#include "flowlat/mcmc/md_integrator.hpp"

namespace flowlat {

struct HmcSettings {
  MdIntegrator integrator;
  LengthDistribution lengths;
};

HmcSettings hmc_settings(const Config& config);

}  // namespace flowlat
