// IniFile: the text of a sectioned INI input file as "section.key" = value
// entries, with flowlat's comment rule (a '#' inside a value is kept).
#pragma once
#include <string>
#include <vector>

namespace flowlat {

// One `key = value` line of an input file.
struct IniEntry {
  std::string name;   // "section.key" ("key" before the first section)
  std::string value;  // trimmed; may contain '#'
  int line = 0;       // 1-based, for messages
};

// Parses INI text. A '#' starts a comment only at the start of a line (after
// optional blanks) or after a blank (space or tab): `output = a#b.h5` keeps
// "a#b.h5", `output = a.h5  # note` gives "a.h5". Boost's own INI parser cuts
// every value at its first '#', which silently truncates file names.
// `where` names the file in messages; throws InputError "<where>:<line>: ...".
std::vector<IniEntry> parse_ini_text(const std::string& text, const std::string& where);

// Reads and parses the input file `path`. It must be a readable regular file
// (a directory, FIFO or device is refused: a FIFO would block the run).
// Throws InputError naming --config and the path.
std::vector<IniEntry> read_ini_file(const std::string& path);

}  // namespace flowlat
