// format::parse_graph and read_graph_file: the two forms of a graph file, the one-line message of every
// way a file can be wrong, and the fingerprint --resume compares.

#include "parakit/format/graph_file.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "parakit/error.hpp"

using namespace parakit;
using namespace std::string_literals;
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kTextAccepted = "(accepted: NAME: ARGS or NAME after DEP[,DEP...]: ARGS)";
constexpr std::string_view kJsonAccepted =
    "(accepted: one JSON object per line with name, args and optionally after and cost)";
constexpr std::string_view kNameAccepted = "(accepted: 1 to 200 bytes of letters, digits and _-.+@%/=)";

std::string graph_message(const auto& call) {
  try {
    call();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "(no UsageError)";
}

// The message parse_graph gives for @p text, read as g.txt.
std::string graph_error(std::string_view text) {
  return graph_message([&] { format::parse_graph(text, "g.txt"); });
}

// Each task as `NAME<DEP,DEP>ARGS@LINE`, dependencies by name in the graph's order.
std::vector<std::string> describe_tasks(const format::GraphFile& file) {
  std::vector<std::string> tasks;
  for (kernels::TaskId t = 0; t < file.graph.size(); ++t) {
    std::string deps;
    for (const kernels::TaskId p : file.graph.predecessors(t))
      deps += (deps.empty() ? "" : ",") + file.graph.task(p).name;
    tasks.push_back(file.graph.task(t).name + "<" + deps + ">" + file.args[t] + "@" +
                    std::to_string(file.lines[t]));
  }
  return tasks;
}

std::uint64_t fingerprint_of_text(std::string_view text) {
  return format::parse_graph(text, "g.txt").fingerprint;
}

// A fresh directory, removed with everything in it.
class GraphDir {
 public:
  GraphDir()
      : dir_(fs::temp_directory_path() /
             ("parakit_graph_file_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++))) {
    fs::create_directories(dir_);
  }
  ~GraphDir() { fs::remove_all(dir_); }
  GraphDir(const GraphDir&) = delete;
  GraphDir& operator=(const GraphDir&) = delete;
  std::string file(const std::string& name, const std::string& text) const {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return (dir_ / name).string();
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  fs::path dir_;
  static inline int counter_ = 0;
};

}  // namespace

TEST(GraphFile, text_and_json_forms_give_the_same_graph_and_fingerprint) {
  const std::string text =
      "prep: --stage prep\n"
      "b after prep: --input b.dat\n"
      "c after prep: \n"
      "join after b,c: --out x:y\n";
  const std::string json = R"({"name": "prep", "args": "--stage prep"})"
                           "\n"
                           R"({"name": "b", "after": ["prep"], "args": "--input b.dat", "cost": 2.5})"
                           "\n"
                           R"({"name": "c", "after": ["prep"], "args": "", "cost": 0})"
                           "\n"
                           R"({"after": ["b", "c"], "args": "--out x:y", "name": "join"})"
                           "\n";
  const format::GraphFile from_text = format::parse_graph(text, "g.txt");
  const format::GraphFile from_json = format::parse_graph(json, "g.jsonl");
  const std::vector<std::string> expected = {"prep<>--stage prep@1", "b<prep>--input b.dat@2", "c<prep>@3",
                                             "join<b,c>--out x:y@4"};
  EXPECT_EQ(describe_tasks(from_text), expected);
  EXPECT_EQ(describe_tasks(from_json), expected);
  EXPECT_EQ(from_text.fingerprint, from_json.fingerprint);
  EXPECT_EQ(from_text.graph.edges(), 4U);
  // The costs of the JSON form reach the graph; the text form has none (< 0: unknown).
  EXPECT_DOUBLE_EQ(from_json.graph.task(1).cost, 2.5);
  EXPECT_DOUBLE_EQ(from_json.graph.task(2).cost, 0.0);
  EXPECT_LT(from_json.graph.task(0).cost, 0.0);
  EXPECT_LT(from_text.graph.task(1).cost, 0.0);
}

TEST(GraphFile, a_task_may_wait_for_one_declared_later) {
  const format::GraphFile file =
      format::parse_graph("last after middle: 3\nmiddle after first: 2\nfirst: 1\n", "g");
  EXPECT_EQ(describe_tasks(file),
            (std::vector<std::string>{"last<middle>3@1", "middle<first>2@2", "first<>1@3"}));
  EXPECT_EQ(file.graph.topological_order(), (std::vector<kernels::TaskId>{2, 1, 0}));
}

TEST(GraphFile, comments_blank_lines_and_carriage_returns_are_skipped) {
  const format::GraphFile file = format::parse_graph(
      "# a graph\r\n\r\n   \t\n  # indented comment\na: x\r\nb after a: y\r\n\n# end", "g.txt");
  EXPECT_EQ(describe_tasks(file), (std::vector<std::string>{"a<>x@5", "b<a>y@6"}));
  EXPECT_EQ(file.fingerprint, fingerprint_of_text("a: x\nb after a: y"));
  // JSON lines skip them alike, a comment before the first object included.
  const format::GraphFile json =
      format::parse_graph("# made by a script\r\n\n{\"name\": \"a\", \"args\": \"x\"}\r\n  \n# done\n", "g");
  EXPECT_EQ(describe_tasks(json), (std::vector<std::string>{"a<>x@3"}));
}

TEST(GraphFile, a_byte_order_mark_at_the_start_is_skipped) {
  const std::string bom = "\xEF\xBB\xBF";
  EXPECT_EQ(describe_tasks(format::parse_graph(bom + "a: 1\nb after a: 2\n", "g")),
            (std::vector<std::string>{"a<>1@1", "b<a>2@2"}));
  EXPECT_EQ(describe_tasks(format::parse_graph(bom + R"({"name": "a", "args": "1"})", "g")),
            (std::vector<std::string>{"a<>1@1"}));
  // Only at the start: elsewhere it is part of a name, and not a byte a name may hold.
  EXPECT_EQ(graph_error("a: 1\n" + bom + "b: 2"),
            "g.txt:2: '" + bom + "b' is not a task name " + std::string(kNameAccepted));
}

TEST(GraphFile, blanks_around_names_after_commas_and_the_colon_are_allowed) {
  const format::GraphFile file =
      format::parse_graph("  a :x\nb\t: \t y  z \n  c   after  a ,\tb , a :  w\nd after a,b:\n", "g");
  // ARGS keeps its inner and trailing blanks; repeated dependencies are one edge.
  EXPECT_EQ(describe_tasks(file),
            (std::vector<std::string>{"a<>x@1", "b<>y  z @2", "c<a,b>w@3", "d<a,b>@4"}));
}

TEST(GraphFile, args_are_the_rest_of_the_line_after_the_first_colon) {
  const format::GraphFile file = format::parse_graph("a: echo http://h:80/x # not a comment\nafter: \n", "g");
  EXPECT_EQ(file.args, (std::vector<std::string>{"echo http://h:80/x # not a comment", ""}));
  EXPECT_EQ(file.graph.task(1).name, "after") << "a task may be called after";
}

TEST(GraphFile, names_use_the_documented_bytes_up_to_200) {
  const std::string longest(200, 'n');
  const format::GraphFile file = format::parse_graph("A-z_0.9+@%/=: 1\n" + longest + ": 2\n", "g");
  EXPECT_EQ(file.graph.task(0).name, "A-z_0.9+@%/=");
  EXPECT_EQ(file.graph.task(1).name, longest);
  EXPECT_EQ(graph_error("a$b: x"), "g.txt:1: 'a$b' is not a task name " + std::string(kNameAccepted));
  EXPECT_EQ(graph_error("a: 1\nb after a,x\xc3\xa9: 2"),
            "g.txt:2: 'x\xc3\xa9' is not a task name " + std::string(kNameAccepted));
  EXPECT_EQ(graph_error("a: 1\n" + longest + "n: 2"),
            "g.txt:2: a task name of 201 bytes: 'nnnnnnnnnnnnnnnnnnnn'... " + std::string(kNameAccepted));
  EXPECT_EQ(graph_error(R"({"name": "", "args": ""})"),
            "g.txt:1: an empty task name " + std::string(kNameAccepted));
  EXPECT_EQ(graph_error(R"({"name": "a b", "args": ""})"),
            "g.txt:1: 'a b' is not a task name " + std::string(kNameAccepted));
}

TEST(GraphFile, a_duplicate_name_gives_both_lines) {
  EXPECT_EQ(graph_error("a: 1\nb: 2\n\na: 3\n"),
            "g.txt:4: task 'a' is declared twice, first on line 1 (accepted: unique task names)");
  EXPECT_EQ(graph_error("{\"name\": \"a\", \"args\": \"\"}\n{\"name\": \"a\", \"args\": \"x\"}"),
            "g.txt:2: task 'a' is declared twice, first on line 1 (accepted: unique task names)");
}

TEST(GraphFile, an_unknown_or_own_dependency_gives_its_line) {
  EXPECT_EQ(graph_error("a: 1\n# x\nb after a,x: 2\n"),
            "g.txt:3: task 'b' waits for 'x', which is not declared (accepted: names of tasks in the file)");
  EXPECT_EQ(graph_error("a: 1\nb after a,b: 2\n"),
            "g.txt:2: task 'b' waits for itself (accepted: other tasks)");
  EXPECT_EQ(graph_error(R"({"name": "a", "after": ["a"], "args": ""})"),
            "g.txt:1: task 'a' waits for itself (accepted: other tasks)");
}

TEST(GraphFile, a_cycle_is_named_with_its_tasks) {
  const std::string message = graph_error("root: 0\na after root,c: 1\nb after a: 2\nc after b: 3\n");
  EXPECT_EQ(message.rfind("g.txt: a cycle: ", 0), 0U) << message;
  for (const char* name : {"'a'", "'b'", "'c'"})
    EXPECT_NE(message.find(name), std::string::npos) << name << " in " << message;
  EXPECT_EQ(message.find("'root'"), std::string::npos) << "root is not on the cycle: " << message;
  EXPECT_TRUE(message.ends_with("(accepted: a graph without cycles)")) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST(GraphFile, a_malformed_text_line_is_refused_with_its_line) {
  const std::string accepted(kTextAccepted);
  EXPECT_EQ(graph_error("a: 1\necho hi\n"),
            "g.txt:2: 'echo hi' has no ':' after the task's name " + accepted);
  EXPECT_EQ(graph_error("a b: 1"), "g.txt:1: 'a b' is not NAME or NAME after DEP[,DEP...] " + accepted);
  EXPECT_EQ(graph_error("a afterb: 1"),
            "g.txt:1: 'a afterb' is not NAME or NAME after DEP[,DEP...] " + accepted);
  EXPECT_EQ(graph_error("b: 1\na after: 1"),
            "g.txt:2: 'a after' is not NAME or NAME after DEP[,DEP...] " + accepted);
  EXPECT_EQ(graph_error("b: 1\nc: 1\na after b,,c: 1"), "g.txt:3: an empty dependency in 'b,,c' " + accepted);
  EXPECT_EQ(graph_error("b: 1\na after b,: 1"), "g.txt:2: an empty dependency in 'b,' " + accepted);
  EXPECT_EQ(graph_error("  : 1"), "g.txt:1: no task name before ':' " + accepted);
  EXPECT_EQ(
      graph_error("a: 1\n{\"name\": \"b\", \"args\": \"\"}"),
      "g.txt:2: a JSON object in a text graph file, whose first task line decides its form " + accepted);
  EXPECT_EQ(graph_error("a: 1\nb: x\0y\n"s), "g.txt:2: a NUL byte (accepted: text)");
  // Data in a message is quoted: a control byte cannot reach the terminal.
  EXPECT_EQ(graph_error("a\x1b[2J"), "g.txt:1: 'a\\x1b[2J' has no ':' after the task's name " + accepted);
}

TEST(GraphFile, bad_json_is_refused_with_its_line) {
  const std::string accepted(kJsonAccepted);
  const std::string a = R"({"name": "a", "args": ""})";
  EXPECT_EQ(graph_error(a + "\n{\"name\": \"b\",}"), "g.txt:2: not valid JSON at byte 14 " + accepted);
  EXPECT_EQ(graph_error(a + "\nb: x"), "g.txt:2: not valid JSON at byte 1 " + accepted);
  EXPECT_EQ(graph_error(a + " x"), "g.txt:1: not valid JSON at byte 27 " + accepted);
  EXPECT_EQ(graph_error(a + "\n[1]"), "g.txt:2: an array, not a JSON object " + accepted);
  EXPECT_EQ(graph_error(R"({"name": "a", "args": "", "nme": "b"})"),
            "g.txt:1: an unknown key 'nme' (accepted: the keys name, after, args, cost)");
  EXPECT_EQ(graph_error(R"({"name": "a", "args": "", "name": "b"})"),
            "g.txt:1: the key 'name' is given twice " + accepted);
  EXPECT_EQ(graph_error(R"({"name": "a"})"), "g.txt:1: no 'args' key " + accepted);
  EXPECT_EQ(graph_error(R"({"args": "x"})"), "g.txt:1: no 'name' key " + accepted);
  EXPECT_EQ(graph_error(R"({"name": "a", "args": "x\u0000y"})"),
            "g.txt:1: 'args' holds a NUL byte (accepted: text)");
  // A key repeated inside a nested value is not a repeated key of the task (and the value is refused
  // for its type).
  EXPECT_EQ(graph_error(R"({"name": "a", "args": {"k": 1, "k": 2}})"),
            "g.txt:1: 'args' is an object (accepted: a string)");
}

TEST(GraphFile, a_json_value_of_the_wrong_type_is_refused) {
  const auto line = [](const std::string& members) { return graph_error("{" + members + "}"); };
  EXPECT_EQ(line(R"("name": 7, "args": "")"), "g.txt:1: 'name' is a number (accepted: a string)");
  EXPECT_EQ(line(R"("name": "a", "args": null)"), "g.txt:1: 'args' is null (accepted: a string)");
  EXPECT_EQ(line(R"("name": "a", "args": ["x"])"), "g.txt:1: 'args' is an array (accepted: a string)");
  EXPECT_EQ(line(R"("name": "a", "args": "", "after": "b")"),
            "g.txt:1: 'after' is a string (accepted: an array of task names)");
  EXPECT_EQ(line(R"("name": "a", "args": "", "after": ["b", 1])"),
            "g.txt:1: 'after' holds a number (accepted: an array of task names)");
  EXPECT_EQ(line(R"("name": "a", "args": "", "cost": "1")"),
            "g.txt:1: 'cost' is a string (accepted: a number >= 0, the estimated run time in seconds)");
  EXPECT_EQ(line(R"("name": "a", "args": "", "cost": true)"),
            "g.txt:1: 'cost' is a boolean (accepted: a number >= 0, the estimated run time in seconds)");
}

TEST(GraphFile, a_negative_or_overflowing_cost_is_refused) {
  const std::string accepted = "(accepted: a number >= 0, the estimated run time in seconds)";
  EXPECT_EQ(graph_error(R"({"name": "a", "args": "", "cost": -1})"), "g.txt:1: 'cost' is -1 " + accepted);
  EXPECT_EQ(graph_error(R"({"name": "a", "args": "", "cost": -0.5})"), "g.txt:1: 'cost' is -0.5 " + accepted);
  EXPECT_EQ(graph_error(R"({"name": "a", "args": "", "cost": 1e400})"),
            "g.txt:1: a number beyond the range of a double " + std::string(kJsonAccepted));
  EXPECT_DOUBLE_EQ(format::parse_graph(R"({"name": "a", "args": "", "cost": 3})", "g").graph.task(0).cost,
                   3.0);
}

TEST(GraphFile, a_file_without_tasks_is_refused) {
  const std::string expected =
      "g.txt: no tasks (accepted: one task per line, NAME: ARGS or NAME after DEP[,DEP...]: ARGS; or one "
      "JSON "
      "object per line with name, args and optionally after and cost)";
  EXPECT_EQ(graph_error(""), expected);
  EXPECT_EQ(graph_error("\n\r\n  \t\n"), expected);
  EXPECT_EQ(graph_error("# only\n  # comments\n"), expected);
}

TEST(GraphFile, more_tasks_than_the_limit_are_refused_at_the_first_one_over) {
  EXPECT_EQ(format::parse_graph("a: 1\nb: 2\n\nc: 3\n", "g", 3).graph.size(), 3U);
  EXPECT_EQ(graph_message([] { format::parse_graph("a: 1\nb: 2\n\nc: 3\nd: 4\n", "g", 3); }),
            "g:5: more than 3 tasks (accepted: at most 3)");
}

TEST(GraphFile, the_path_leads_every_message_escaped) {
  EXPECT_EQ(graph_message([] { format::parse_graph("a b", "dir/\x1b.txt"); }),
            "dir/\\x1b.txt:1: 'a b' has no ':' after the task's name " + std::string(kTextAccepted));
}

TEST(GraphFile, fingerprint_follows_names_dependencies_and_args_only) {
  const std::string base = "a: 1\nb: 2\nc after a: 3\n";
  const std::uint64_t fp = fingerprint_of_text(base);
  // Not comments, blank lines, carriage returns, blanks around the syntax, costs or the form.
  EXPECT_EQ(fingerprint_of_text("# c\n\na: 1\r\nb : 2\nc  after a :3\n"), fp);
  EXPECT_EQ(fingerprint_of_text(R"({"name": "a", "args": "1", "cost": 5})"
                                "\n"
                                R"({"name": "b", "args": "2"})"
                                "\n"
                                R"({"name": "c", "args": "3", "after": ["a"], "cost": 1})"),
            fp);
  // Nor the order or repeats of one task's dependencies.
  EXPECT_EQ(fingerprint_of_text("a: 1\nb: 2\nc after a,b: 3\n"),
            fingerprint_of_text("a: 1\nb: 2\nc after b,a,b: 3\n"));
  // Every change the run depends on does.
  const std::vector<std::string> changed = {
      "a: 1\nb: 2\nc after b: 3\n",      // another dependency
      "a: 1\nb: 2\nc after a,b: 3\n",    // one more
      "a: 1\nb: 2\nc: 3\n",              // none
      "a: 1\nb: 2\nc after a: 3 \n",     // args, by a trailing blank
      "a: 1\nb: 2\nc after a: 4\n",      // args
      "a: 1\nb: 2\nd after a: 3\n",      // a name
      "b: 2\na: 1\nc after a: 3\n",      // the order of the tasks
      "a: 1\nb: 2\nc after a: 3\nd: 4",  // one task more
      "a: 12\nb: \nc after a: 3\n",      // bytes moved from one field to the next
      "a: 1b: 2\nc after a: 3\n"};       // two tasks merged into one
  std::set<std::uint64_t> seen = {fp};
  for (const std::string& text : changed) {
    EXPECT_TRUE(seen.insert(fingerprint_of_text(text)).second) << text;
  }
}

TEST(GraphFile, fingerprint_of_a_known_graph_is_pinned) {
  // Joblogs keep the fingerprint and --resume compares it with the graph's: a change of the encoding
  // would make every earlier joblog refuse to resume, so it must be deliberate (change this value then).
  // The value was checked apart from parse_graph: XXH3_64bits in one call over the bytes the encoding
  // documents, written by hand (a Python struct.pack of the tag, the count and each length-prefixed field).
  const format::GraphFile file = format::parse_graph("a: 1\nb after a: x y\n", "g");
  EXPECT_EQ(format::fingerprint_hex(file.fingerprint), "fbadb2380e44a015");
  EXPECT_EQ(format::fingerprint_hex(0), "0000000000000000");
  EXPECT_EQ(format::fingerprint_hex(0xfedcba9876543210ULL), "fedcba9876543210");
}

TEST(GraphFile, read_graph_file_reads_a_regular_file) {
  const GraphDir dir;
  const format::GraphFile file = format::read_graph_file(dir.file("g.txt", "a: 1\r\nb after a: 2\r\n"));
  EXPECT_EQ(describe_tasks(file), (std::vector<std::string>{"a<>1@1", "b<a>2@2"}));
  EXPECT_EQ(file.fingerprint, fingerprint_of_text("a: 1\nb after a: 2\n"));
}

TEST(GraphFile, read_graph_file_refuses_what_is_not_a_readable_file_in_one_line) {
  const GraphDir dir;
  const auto error = [](const std::string& path) {
    return graph_message([&] { format::read_graph_file(path); });
  };
  const std::string missing = dir.path("none.txt");
  EXPECT_EQ(error(missing), "--graph " + missing +
                                ": cannot open: No such file or directory (accepted: a readable graph file)");
  const std::string sub = dir.path("sub");
  fs::create_directories(sub);
  EXPECT_EQ(error(sub), "--graph " + sub + ": is a directory (accepted: a graph file)");
  // A FIFO is refused before it is opened: opening it would block until someone writes.
  const std::string fifo = dir.path("fifo");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_EQ(error(fifo),
            "--graph " + fifo +
                ": not a regular file (a pipe, a device or a socket; accepted: a regular graph file)");
  EXPECT_EQ(
      error("/dev/zero"),
      "--graph /dev/zero: not a regular file (a pipe, a device or a socket; accepted: a regular graph file)");
  EXPECT_EQ(error(""), "--graph: an empty path (accepted: a readable graph file)");
  const std::string empty = dir.file("empty.txt", "");
  EXPECT_TRUE(error(empty).starts_with(empty + ": no tasks (accepted: ")) << error(empty);
  const std::string bad = dir.file("bad.txt", "a: 1\nb after c: 2\n");
  EXPECT_EQ(error(bad),
            bad + ":2: task 'b' waits for 'c', which is not declared (accepted: names of tasks in the file)");
}
