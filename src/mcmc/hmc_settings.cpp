// hmc.* keys -> integrator and trajectory-length distribution.
#include "flowlat/mcmc/hmc_settings.hpp"

namespace flowlat {

HmcSettings hmc_settings(const Config& config) {
  return {MdIntegrator(integrator_from_name(config.get_string("hmc.integrator")),
                       int(config.get_int("hmc.steps")), config.get_real("hmc.trajectory_length")),
          length_distribution_from_name(config.get_string("hmc.length_distribution"))};
}

}  // namespace flowlat
