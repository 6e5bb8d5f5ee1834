// IniFile: reads an input file as text and splits it into section.key = value
// entries (comment rule and errors in include/flowlat/core/ini_file.hpp).
#include "flowlat/core/ini_file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <sstream>

#include "flowlat/core/error.hpp"

namespace flowlat {

namespace {

constexpr off_t kMaxInputBytes = 1 << 20;

bool blank(char c) { return c == ' ' || c == '\t'; }

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

// The line without its comment: '#' at the line start or after a blank.
std::string strip_comment(const std::string& line) {
  for (std::size_t i = 0; i < line.size(); ++i)
    if (line[i] == '#' && (i == 0 || blank(line[i - 1]))) return line.substr(0, i);
  return line;
}

}  // namespace

std::vector<IniEntry> parse_ini_text(const std::string& text, const std::string& where) {
  std::vector<IniEntry> entries;
  std::istringstream in(text);
  std::string raw, section;
  for (int number = 1; std::getline(in, raw); ++number) {
    const std::string at = where + ":" + std::to_string(number) + ": ";
    if (raw.find('\0') != std::string::npos) throw InputError(at + "not a text file (NUL byte)");
    const std::string line = trim(strip_comment(raw));
    if (line.empty()) continue;
    if (line.front() == '[') {
      if (line.back() != ']' || trim(line.substr(1, line.size() - 2)).empty())
        throw InputError(at + "expected a section '[name]', got '" + line + "'");
      section = trim(line.substr(1, line.size() - 2));
      continue;
    }
    const auto eq = line.find('=');
    const std::string key = eq == std::string::npos ? "" : trim(line.substr(0, eq));
    if (key.empty())
      throw InputError(at + "expected 'key = value' or '[section]', got '" + line + "'");
    entries.push_back(
        {section.empty() ? key : section + "." + key, trim(line.substr(eq + 1)), number});
  }
  return entries;
}

std::vector<IniEntry> read_ini_file(const std::string& path) {
  const std::string name = "--config: '" + path + "'";
  // stat first: opening a FIFO for reading would block until a writer comes
  struct stat st {};
  if (stat(path.c_str(), &st) != 0)
    throw InputError(name + ": cannot open input file (" + std::strerror(errno) + ")");
  if (S_ISDIR(st.st_mode)) throw InputError(name + " is a directory, expected an input file");
  if (!S_ISREG(st.st_mode)) throw InputError(name + " is not a regular file");
  // an input file is a few kB; a huge one is a mistyped path (an ensemble, a log)
  if (st.st_size > kMaxInputBytes)
    throw InputError(name + " is " + std::to_string(st.st_size) +
                     " bytes, too large for an input file");
  // stdio rather than iostreams: ferror() reports a failed read (EIO, EISDIR)
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"),
                                                             &std::fclose);
  if (!file) throw InputError(name + ": cannot open input file (" + std::strerror(errno) + ")");
  std::string text;
  char buffer[4096];
  std::size_t got;
  while ((got = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) text.append(buffer, got);
  if (std::ferror(file.get()))
    throw InputError(name + ": cannot read input file (" + std::strerror(errno) + ")");
  return parse_ini_text(text, path);
}

}  // namespace flowlat
