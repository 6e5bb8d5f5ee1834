// Where an ensemble file continues (run.resume): the newest chain state in
// /resume whose entries are all committed, and what is kept of each series.
#pragma once
#include <cstdint>

namespace flowlat {

class EnsembleReader;

// The entries kept per chain and the /resume slot (0 or 1) holding the state
// of every chain after `updates` updates (thermalization included), or
// slot = -1: no state, the chains start over from update 0.
struct ResumePoint {
  std::int64_t updates = 0;
  std::int64_t n_saved = 0, n_records = 0;
  int slot = -1;
};

// Of the two /resume slots, the one with the most updates whose entries the
// file holds completely: its records (updates - thermalization, at least 0)
// within n_records and every record series' extent, its saves (records /
// save_every) within n_saved and every saved series' extent. A slot whose
// commit was cut (its count newer than n_records) or that was being rewritten
// (its count older than the other slot's) loses to the other one. The
// entries beyond the point are an unfinished block or records past the
// state: the writer cuts them. No /resume: InputError naming run.output.
ResumePoint find_resume_point(const EnsembleReader& file, std::int64_t thermalization,
                              std::int64_t save_every);

}  // namespace flowlat
