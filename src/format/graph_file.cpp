#include "parakit/format/graph_file.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <memory>
#include <new>
#include <optional>
#include <unordered_map>
#include <utility>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <xxhash.h>

#include "parakit/error.hpp"
#include "parakit/format/input_file.hpp"
#include "parakit/quote.hpp"

namespace parakit::format {
namespace {

constexpr std::string_view kBlanks = " \t";
constexpr std::string_view kTextForm = "NAME: ARGS or NAME after DEP[,DEP...]: ARGS";
constexpr std::string_view kJsonForm =
    "one JSON object per line with name, args and optionally after and cost";

// A task as the file declares it: its dependencies by name, resolved once every task is known.
struct DeclaredTask {
  std::string name;
  std::vector<std::string> after;
  std::string args;
  double cost = -1.0;
  std::size_t line = 0;
};

// The place of one line in messages: `PATH:LINE`.
struct Where {
  const std::string& path;
  std::size_t line;
  [[nodiscard]] std::string str() const { return fmt::format("{}:{}", escaped(path), line); }
};

[[noreturn]] void refuse_at(const Where& where, std::string_view what, std::string_view accepted) {
  throw UsageError(fmt::format("{}: {} (accepted: {})", where.str(), what, accepted));
}

std::string_view trim_blanks(std::string_view text) {
  const auto first = text.find_first_not_of(kBlanks);
  if (first == std::string_view::npos) return {};
  return text.substr(first, text.find_last_not_of(kBlanks) - first + 1);
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         std::string_view("_-.+@%/=").find(c) != std::string_view::npos;
}

void check_name(std::string_view name, const Where& where) {
  const auto accepted = fmt::format("1 to {} bytes of letters, digits and _-.+@%/=", kMaxTaskNameBytes);
  if (name.empty()) refuse_at(where, "an empty task name", accepted);
  if (name.size() > kMaxTaskNameBytes)
    refuse_at(where, fmt::format("a task name of {} bytes: {}", name.size(), parakit::quoted(name, 20)),
              accepted);
  if (!std::all_of(name.begin(), name.end(), is_name_char))
    refuse_at(where, fmt::format("{} is not a task name", parakit::quoted(name)), accepted);
}

// `DEP[,DEP...]`, blanks allowed around each.
std::vector<std::string> parse_dependency_list(std::string_view list, const Where& where) {
  std::vector<std::string> after;
  for (std::size_t start = 0;;) {
    const auto comma = list.find(',', start);
    const auto entry =
        trim_blanks(list.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (entry.empty())
      refuse_at(where, fmt::format("an empty dependency in {}", parakit::quoted(list)), kTextForm);
    check_name(entry, where);
    after.emplace_back(entry);
    if (comma == std::string_view::npos) return after;
    start = comma + 1;
  }
}

// `NAME: ARGS` or `NAME after DEP[,DEP...]: ARGS`.
DeclaredTask parse_text_line(std::string_view line, const Where& where) {
  if (trim_blanks(line).front() == '{') {
    refuse_at(where, "a JSON object in a text graph file, whose first task line decides its form", kTextForm);
  }
  const auto colon = line.find(':');
  if (colon == std::string_view::npos)
    refuse_at(where, fmt::format("{} has no ':' after the task's name", parakit::quoted(line)), kTextForm);
  DeclaredTask task;
  task.line = where.line;
  const auto args = line.substr(colon + 1);
  task.args = std::string(args.substr(std::min(args.size(), args.find_first_not_of(kBlanks))));
  const auto head = trim_blanks(line.substr(0, colon));
  const auto blank = head.find_first_of(kBlanks);
  task.name = std::string(head.substr(0, blank));
  if (task.name.empty()) refuse_at(where, "no task name before ':'", kTextForm);
  if (blank == std::string_view::npos) {
    check_name(task.name, where);
    return task;
  }
  const auto rest = trim_blanks(head.substr(blank));
  const auto after = rest.substr(0, rest.find_first_of(kBlanks));
  if (after != "after" || after.size() == rest.size()) {
    refuse_at(where, fmt::format("{} is not NAME or NAME after DEP[,DEP...]", parakit::quoted(head)),
              kTextForm);
  }
  check_name(task.name, where);
  task.after = parse_dependency_list(trim_blanks(rest.substr(after.size())), where);
  return task;
}

// The JSON value's type, as messages say it: "a string", "an array", "null".
std::string type_phrase(const nlohmann::json& value) {
  const std::string_view type = value.type_name();
  if (type == "null") return "null";
  return fmt::format("{} {}", type.front() == 'a' || type.front() == 'o' ? "an" : "a", type);
}

// Parses one line as a JSON object and refuses a key given twice (nlohmann keeps the last silently).
nlohmann::json parse_json_object(std::string_view line, const Where& where) {
  std::vector<std::string> keys;
  std::optional<std::string> repeated;
  const nlohmann::json::parser_callback_t on_event = [&](int depth, nlohmann::json::parse_event_t event,
                                                         nlohmann::json& parsed) {
    if (event == nlohmann::json::parse_event_t::key && depth == 1 && !repeated) {
      auto key = parsed.get<std::string>();
      if (std::find(keys.begin(), keys.end(), key) != keys.end()) repeated = key;
      keys.push_back(std::move(key));
    }
    return true;
  };
  nlohmann::json object;
  try {
    object = nlohmann::json::parse(line.begin(), line.end(), on_event);
  } catch (const nlohmann::json::parse_error& e) {
    refuse_at(where, fmt::format("not valid JSON at byte {}", e.byte), kJsonForm);
  } catch (const nlohmann::json::out_of_range&) {
    refuse_at(where, "a number beyond the range of a double", kJsonForm);  // 1e400: nlohmann throws 406
  }
  if (!object.is_object())
    refuse_at(where, fmt::format("{}, not a JSON object", type_phrase(object)), kJsonForm);
  if (repeated)
    refuse_at(where, fmt::format("the key {} is given twice", parakit::quoted(*repeated)), kJsonForm);
  return object;
}

// A string member: name or args.
std::string json_string(const nlohmann::json& object, std::string_view key, const Where& where) {
  const auto found = object.find(key);
  if (found == object.end()) refuse_at(where, fmt::format("no '{}' key", key), kJsonForm);
  if (!found->is_string()) refuse_at(where, fmt::format("'{}' is {}", key, type_phrase(*found)), "a string");
  return found->get<std::string>();
}

// `{"name": ..., "after": [...], "args": ..., "cost": ...}`.
DeclaredTask parse_json_line(std::string_view line, const Where& where) {
  const nlohmann::json object = parse_json_object(line, where);
  for (const auto& [key, value] : object.items()) {
    if (key != "name" && key != "after" && key != "args" && key != "cost")
      refuse_at(where, fmt::format("an unknown key {}", parakit::quoted(key)),
                "the keys name, after, args, cost");
  }
  DeclaredTask task;
  task.line = where.line;
  task.name = json_string(object, "name", where);
  check_name(task.name, where);
  task.args = json_string(object, "args", where);
  if (task.args.find('\0') != std::string::npos) refuse_at(where, "'args' holds a NUL byte", "text");
  if (const auto after = object.find("after"); after != object.end()) {
    if (!after->is_array())
      refuse_at(where, fmt::format("'after' is {}", type_phrase(*after)), "an array of task names");
    for (const auto& dep : *after) {
      if (!dep.is_string()) {
        refuse_at(where, fmt::format("'after' holds {}", type_phrase(dep)), "an array of task names");
      }
      check_name(dep.get_ref<const std::string&>(), where);
      task.after.push_back(dep.get<std::string>());
    }
  }
  if (const auto cost = object.find("cost"); cost != object.end()) {
    const auto accepted = "a number >= 0, the estimated run time in seconds";
    if (!cost->is_number()) refuse_at(where, fmt::format("'cost' is {}", type_phrase(*cost)), accepted);
    task.cost = cost->get<double>();
    if (!(task.cost >= 0.0) || !std::isfinite(task.cost))
      refuse_at(where, fmt::format("'cost' is {}", task.cost), accepted);
  }
  return task;
}

// Every task of @p text in order, each line parsed in the form its first task line decides.
std::vector<DeclaredTask> declare_tasks(std::string_view text, const std::string& path,
                                        std::size_t max_tasks) {
  std::vector<DeclaredTask> tasks;
  std::optional<bool> is_json;
  std::size_t number = 0;
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a byte order mark, as some editors write
  for (std::size_t start = 0; start < text.size();) {
    const auto end = std::min(text.find('\n', start), text.size());
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    const Where where{path, ++number};
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto content = trim_blanks(line);
    if (content.empty() || content.front() == '#') continue;
    if (line.find('\0') != std::string_view::npos) refuse_at(where, "a NUL byte", "text");
    if (tasks.size() == max_tasks)
      refuse_at(where, fmt::format("more than {} tasks", max_tasks), fmt::format("at most {}", max_tasks));
    if (!is_json) is_json = content.front() == '{';
    tasks.push_back(*is_json ? parse_json_line(line, where) : parse_text_line(line, where));
  }
  if (tasks.empty()) {
    throw UsageError(fmt::format("{}: no tasks (accepted: one task per line, {}; or {})", escaped(path),
                                 kTextForm, kJsonForm));
  }
  return tasks;
}

// The kernel's tasks, dependencies resolved by name. Refuses what the kernel would refuse without the
// file's line: a name declared twice, a dependency on an unknown task or on the task itself.
std::vector<kernels::GraphTask> resolve_tasks(const std::vector<DeclaredTask>& declared,
                                              const std::string& path) {
  std::unordered_map<std::string_view, kernels::TaskId> index;
  index.reserve(declared.size());
  for (std::size_t t = 0; t < declared.size(); ++t) {
    const auto [it, is_new] = index.emplace(declared[t].name, static_cast<kernels::TaskId>(t));
    if (!is_new) {
      refuse_at(Where{path, declared[t].line},
                fmt::format("task {} is declared twice, first on line {}", parakit::quoted(declared[t].name),
                            declared[it->second].line),
                "unique task names");
    }
  }
  std::vector<kernels::GraphTask> tasks(declared.size());
  for (std::size_t t = 0; t < declared.size(); ++t) {
    const DeclaredTask& d = declared[t];
    tasks[t].name = d.name;
    tasks[t].cost = d.cost;
    for (const std::string& dep : d.after) {
      const auto found = index.find(dep);
      if (found == index.end()) {
        refuse_at(Where{path, d.line},
                  fmt::format("task {} waits for {}, which is not declared", parakit::quoted(d.name),
                              parakit::quoted(dep)),
                  "names of tasks in the file");
      }
      if (found->second == t)
        refuse_at(Where{path, d.line}, fmt::format("task {} waits for itself", parakit::quoted(d.name)),
                  "other tasks");
      tasks[t].after.push_back(found->second);
    }
  }
  return tasks;
}

// XXH3 over a length-prefixed encoding: a version tag, the task count, then per task its name, its
// dependencies' names (sorted, each once: their order and repeats do not change the run) and its
// arguments, each string preceded by its length and each list by its size, as 8 little-endian bytes.
std::uint64_t graph_fingerprint(const std::vector<DeclaredTask>& tasks) {
  const std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(), &XXH3_freeState);
  if (!state) throw std::bad_alloc();
  XXH3_64bits_reset(state.get());
  const auto add_size = [&](std::uint64_t n) {
    unsigned char bytes[8];
    for (int i = 0; i < 8; ++i)
      bytes[i] = static_cast<unsigned char>(n >> (8 * i));
    XXH3_64bits_update(state.get(), bytes, sizeof bytes);
  };
  const auto add_string = [&](std::string_view s) {
    add_size(s.size());
    XXH3_64bits_update(state.get(), s.data(), s.size());
  };
  add_string("parakit.graph/1");
  add_size(tasks.size());
  std::vector<std::string_view> after;
  for (const DeclaredTask& task : tasks) {
    add_string(task.name);
    after.assign(task.after.begin(), task.after.end());
    std::sort(after.begin(), after.end());
    after.erase(std::unique(after.begin(), after.end()), after.end());
    add_size(after.size());
    for (const std::string_view dep : after)
      add_string(dep);
    add_string(task.args);
  }
  return XXH3_64bits_digest(state.get());
}

}  // namespace

GraphFile parse_graph(std::string_view text, const std::string& path, std::size_t max_tasks) {
  std::vector<DeclaredTask> declared = declare_tasks(text, path, max_tasks);
  std::vector<kernels::GraphTask> tasks = resolve_tasks(declared, path);
  GraphFile file;
  try {
    file.graph = kernels::TaskGraph(std::move(tasks));
  } catch (const UsageError& e) {
    // What is left for the kernel to find is a cycle, which has no one line to name.
    throw UsageError(fmt::format("{}: {}", escaped(path), e.what()));
  }
  file.fingerprint = graph_fingerprint(declared);
  file.args.reserve(declared.size());
  file.lines.reserve(declared.size());
  for (DeclaredTask& d : declared) {
    file.args.push_back(std::move(d.args));
    file.lines.push_back(d.line);
  }
  return file;
}

GraphFile read_graph_file(const std::string& path) {
  const std::uint64_t size = check_regular_file(path, "--graph", "graph file");
  std::ifstream in(path, std::ios::binary);
  std::string text;
  text.reserve(static_cast<std::size_t>(size));
  text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  if (in.bad()) throw UsageError(fmt::format("--graph {}: cannot read: a read error", escaped(path)));
  return parse_graph(text, path);
}

std::string fingerprint_hex(std::uint64_t fingerprint) {
  return fmt::format("{:016x}", fingerprint);
}

}  // namespace parakit::format
