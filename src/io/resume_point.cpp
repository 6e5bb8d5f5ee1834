// find_resume_point: the newest committed chain state of an ensemble file.
#include "flowlat/io/resume_point.hpp"

#include <algorithm>

#include "flowlat/core/error.hpp"
#include "flowlat/io/ensemble_reader.hpp"

namespace flowlat {

ResumePoint find_resume_point(const EnsembleReader& file, std::int64_t thermalization,
                              std::int64_t save_every) {
  const auto updates = file.resume_updates();
  if (updates.empty())
    throw InputError("run.output: '" + file.path() +
                     "' holds no chain state (/resume): it was written by a flowlat without "
                     "run.resume and cannot be continued");
  // what the file holds completely: the committed counts, within every extent
  std::int64_t saved = file.n_saved(), records = file.n_records();
  saved = std::min(saved, file.stored_entries("configs"));
  for (const auto& name : file.obs_names())
    saved = std::min(saved, file.stored_entries("obs/" + name));
  for (const auto& name : file.corr_names())
    saved = std::min(saved, file.stored_entries("corr/" + name));
  for (const auto& name : file.record_names())
    records = std::min(records, file.stored_entries("mcmc/" + name));

  ResumePoint best;  // slot -1: start over
  for (int slot = 0; slot < 2; ++slot) {
    const std::int64_t u = updates[std::size_t(slot)];
    if (u < 0) continue;
    const std::int64_t r = std::max<std::int64_t>(0, u - thermalization), s = r / save_every;
    if (r > records || s > saved) continue;
    if (best.slot >= 0 && u <= best.updates) continue;
    best.updates = u;
    best.n_records = r;
    best.n_saved = s;
    best.slot = slot;
  }
  return best;
}

}  // namespace flowlat
