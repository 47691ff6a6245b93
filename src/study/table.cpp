#include "parakit/study/table.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "parakit/error.hpp"
#include "parakit/report/scaling.hpp"
#include "parakit/report/statistics.hpp"

namespace parakit::study {
namespace {

// NaN (not measured, or undefined) is written as null.
nlohmann::ordered_json number(double v) {
  if (std::isnan(v)) return nullptr;
  return v;
}

double median(const Point& p) {
  return report::summarize(p.times_s).median;
}

// A fitted fraction this far outside 0..1 is noise around a bound, not a broken law.
constexpr double kFractionTolerance = 0.01;

report::Interval interval(const Point& p) {
  return report::bootstrap_median_interval(p.times_s);
}

// The common measured columns of a point, and the checks of its wall clock.
void add_measurements(Table& row, const Point& p) {
  const report::Summary s = report::summarize(p.times_s);
  const report::Interval ci = interval(p);
  row["median_s"] = s.median;
  row["spread_s"] = s.max - s.min;
  row["ci_low_s"] = ci.low;
  row["ci_high_s"] = ci.high;
  row["repeats"] = p.times_s.size();
  row["noisy"] = report::relative_spread(p.times_s) > kNoisySpread;
}

void add_wall_check(Table& row, const Point& p) {
  row["launch_s"] = number(p.launch_s);
  row["wall_s"] = number(p.wall_s);
  const double predicted = p.launch_s + p.runs * median(p);
  row["wall_predicted_s"] = number(predicted);
  row["wall_error"] = number(p.wall_s > 0.0 ? (p.wall_s - predicted) / p.wall_s : kNaN);
  // Off by more than 5 % and by more than the empty runs' own spread (with millisecond runs the
  // difference is launch jitter, not a wrong time).
  const double off = std::abs(p.wall_s - predicted);
  row["wall_check_failed"] =
      p.wall_check && p.wall_s > 0.0 && off > kWallTolerance * p.wall_s && !(off <= p.launch_spread_s);
}

void check_points(const std::vector<Point>& points) {
  PARAKIT_REQUIRE(!points.empty(), "at least one point");
  for (const Point& p : points)
    PARAKIT_REQUIRE(!p.times_s.empty(), "every point has times");
}

// Sentences about the rows: oversubscribed, noisy, or a wall clock that disagrees.
std::vector<std::string> row_warnings(const Table& rows, const std::vector<Point>& points) {
  std::vector<std::string> warnings;
  for (std::size_t i = 0; i < points.size(); ++i) {
    const Table& row = rows[i];
    const std::string& name = points[i].label;
    if (points[i].oversubscribed) {
      warnings.push_back(
          fmt::format("{}: oversubscribed ({} threads on fewer cores): its time measures "
                      "sharing, not scaling, and it is left out of fits and rankings",
                      name, points[i].layout.cores()));
    }
    if (row["noisy"].get<bool>()) {
      warnings.push_back(
          fmt::format("{}: noisy: the repeats spread over {:.1f} % of the median (more "
                      "than {:.0f} %)",
                      name, 100.0 * report::relative_spread(points[i].times_s), 100.0 * kNoisySpread));
    }
    if (row["wall_check_failed"].get<bool>()) {
      warnings.push_back(fmt::format(
          "{}: the outside wall clock ({:.3f} s) and launch + runs x median ({:.3f} s) differ by {:.1f} % "
          "(more than {:.0f} % and more than the launch's own spread of {:.3f} s): something outside the "
          "timed runs took time (a busy machine, slow I/O, a slow start); run it again",
          name, row["wall_s"].get<double>(), row["wall_predicted_s"].get<double>(),
          100.0 * row["wall_error"].get<double>(), 100.0 * kWallTolerance, points[i].launch_spread_s));
    }
  }
  if (rows.size() > 1 && rows[0]["noisy"].get<bool>()) {
    warnings.push_back(fmt::format(
        "{}: the baseline is noisy: every speedup and efficiency inherits its spread", points[0].label));
  }
  return warnings;
}

}  // namespace

double smallest_p(std::size_t n_a, std::size_t n_b) {
  // C(n_a + n_b, n_a), built up in floating point (exact enough for any p that matters).
  double c = 1.0;
  for (std::size_t k = 1; k <= n_a; ++k)
    c = c * static_cast<double>(n_b + k) / static_cast<double>(k);
  return std::min(1.0, 2.0 / c);
}

Table verdict(const Point& a, const Point& b) {
  const double p = report::mann_whitney_p(a.times_s, b.times_s);
  const report::Interval ia = interval(a), ib = interval(b);
  const bool overlap = ia.low <= ib.high && ib.low <= ia.high;
  const bool a_first = median(a) <= median(b);
  const Point& fast = a_first ? a : b;
  const Point& slow = a_first ? b : a;
  const report::Interval& fi = a_first ? ia : ib;
  const report::Interval& si = a_first ? ib : ia;
  // With few repeats no ordering of the times is rare enough (the normal approximation used with ties
  // would pretend otherwise): no claim then.
  const double floor = smallest_p(a.times_s.size(), b.times_s.size());
  const bool shown = p < kSignificance && !overlap && floor < kSignificance;
  std::string text;
  if (shown) {
    text = fmt::format(
        "{} is faster than {} (Mann-Whitney p = {:.3g}; 95 % intervals of the medians "
        "{:.4g}-{:.4g} s and {:.4g}-{:.4g} s)",
        fast.label, slow.label, p, fi.low, fi.high, si.low, si.high);
  } else if (floor >= kSignificance) {
    text = fmt::format(
        "{} vs {}: too few repeats to test ({} and {}: no ordering of so few times reaches p < {:.2g}; use "
        "--repeat 5 or more)",
        fast.label, slow.label, a.times_s.size(), b.times_s.size(), kSignificance);
  } else {
    const std::string why =
        overlap ? "the 95 % intervals of the medians overlap" : "the rank test is not significant";
    text = fmt::format("{} and {} cannot be told apart (Mann-Whitney p = {:.3g}; {})", fast.label, slow.label,
                       p, why);
  }
  return {{"faster", fast.label},
          {"slower", slow.label},
          {"p_value", p},
          {"intervals_overlap", overlap},
          {"verdict", shown ? "faster" : (floor >= kSignificance ? "too_few_repeats" : "indistinguishable")},
          {"text", text}};
}

Table compare_table(const std::vector<Point>& points) {
  check_points(points);
  const double t1 = median(points.front());
  Table rows = Table::array();
  for (const Point& p : points) {
    Table row = {{"layout", p.label},
                 {"implementation", p.implementation},
                 {"ranks", p.layout.ranks},
                 {"threads_per_rank", p.layout.threads},
                 {"cores", p.layout.cores()}};
    add_measurements(row, p);
    const double s = report::speedup(t1, median(p));
    row["speedup"] = s;
    row["efficiency"] = s / p.layout.cores();
    row["compute_s"] = number(p.compute_s);
    const double phases = p.compute_s + p.communication_s;
    row["comm_share"] = number(phases > 0.0 ? p.communication_s / phases : kNaN);
    add_wall_check(row, p);
    row["peak_rss_per_rank_bytes"] = number(p.peak_rss_rank_bytes);
    row["peak_rss_total_bytes"] = number(p.peak_rss_total_bytes);
    row["oversubscribed"] = p.oversubscribed;
    rows.push_back(std::move(row));
  }
  // Layouts of the largest core count, fastest first; each against the next.
  int cores = 0;
  // The study's own layouts (parakit's kernel or the program), not the Python versions beside them.
  const std::string& own = points.front().implementation;
  for (const Point& p : points)
    if (p.implementation == own) cores = std::max(cores, p.layout.cores());
  std::vector<const Point*> rivals;
  for (const Point& p : points)
    if (p.implementation == own && p.layout.cores() == cores && !p.oversubscribed) rivals.push_back(&p);
  std::stable_sort(rivals.begin(), rivals.end(),
                   [](const Point* a, const Point* b) { return median(*a) < median(*b); });
  Table comparisons = Table::array();
  for (std::size_t i = 0; i + 1 < rivals.size(); ++i)
    comparisons.push_back(verdict(*rivals[i], *rivals[i + 1]));
  Table table;
  table["warnings"] = row_warnings(rows, points);
  const auto layouts_there = std::count_if(points.begin(), points.end(), [&](const Point& p) {
    return p.implementation == own && p.layout.cores() == cores;
  });
  if (rivals.size() < 2 && layouts_there > 1) {
    table["warnings"].push_back(fmt::format(
        "no ranking of the {}-core layouts: {} of them ran without oversubscription", cores, rivals.size()));
  }
  table["rows"] = std::move(rows);
  table["comparisons"] = std::move(comparisons);
  return table;
}

Table scaling_table(const std::vector<Point>& points, Scaling kind) {
  check_points(points);
  const Point& first = points.front();
  const double t0 = median(first);
  const double p0 = first.layout.cores();
  std::vector<double> cores, medians, speedups;
  Table rows = Table::array();
  for (const Point& p : points) {
    const double pc = p.layout.cores();
    const double tp = median(p);
    const double s = kind == Scaling::kStrong ? p0 * t0 / tp : pc * t0 / tp;
    Table row = {{"cores", p.layout.cores()},
                 {"ranks", p.layout.ranks},
                 {"threads", p.layout.threads},
                 {"work", number(p.work)}};
    add_measurements(row, p);
    row["speedup"] = s;
    row["efficiency"] = s / pc;
    // At the baseline (the first point) the speedup is assumed, not measured: no Karp-Flatt there.
    // Karp-Flatt is defined for a fixed problem: strong scaling only.
    row["karp_flatt"] =
        number(kind == Scaling::kStrong && pc > 1.0 && &p != &first ? report::karp_flatt(s, pc) : kNaN);
    row["oversubscribed"] = p.oversubscribed;
    add_wall_check(row, p);
    rows.push_back(std::move(row));
    if (p.oversubscribed) continue;  // its time measures sharing: not a point of the law
    cores.push_back(pc);
    medians.push_back(tp);
    speedups.push_back(s);
  }
  Table fit = nullptr;
  const bool fittable =
      !cores.empty() && std::any_of(cores.begin(), cores.end(), [&](double c) { return c != cores.front(); });
  if (fittable && kind == Scaling::kStrong) {
    const report::Fit f = report::fit_amdahl(cores, medians);
    fit = {
        {"law", "amdahl"},
        {"serial_fraction", f.serial_fraction},
        {"t1_s", f.t1},
        {"max_speedup", f.serial_fraction > 0.0 && f.serial_fraction < 1.0 ? 1.0 / f.serial_fraction : kNaN},
        {"r_squared", f.r_squared}};
  } else if (fittable && *std::max_element(cores.begin(), cores.end()) > 1.0) {
    const report::Fit f = report::fit_gustafson(cores, speedups);
    const double pmax = *std::max_element(cores.begin(), cores.end());
    fit = {{"law", "gustafson"},
           {"serial_fraction", f.serial_fraction},
           {"scaled_speedup_at_max", pmax - f.serial_fraction * (pmax - 1.0)},
           {"max_cores", pmax},
           {"r_squared", f.r_squared}};
  }
  if (fit.is_object()) {
    if (std::isnan(fit.value("max_speedup", 0.0))) fit["max_speedup"] = nullptr;
    fit["points"] = cores.size();  // the oversubscribed ones left out
    const double f = fit["serial_fraction"].get<double>();
    std::string note;
    if (cores.size() < 3) {
      // Two points: the law passes through both (Amdahl has two parameters): R^2 says nothing, and an
      // asymptote from two points is a guess.
      fit["r_squared"] = nullptr;
      if (fit.contains("max_speedup")) fit["max_speedup"] = nullptr;
      note =
          "2 points: the law passes through both exactly, so the fit's quality is unknown (give 3 or "
          "more core counts)";
    }
    if (f < -kFractionTolerance || f > 1.0 + kFractionTolerance) {
      if (!note.empty()) note += "; ";
      note += kind == Scaling::kStrong ? "the serial fraction is outside 0..1: these times do not follow "
                                         "Amdahl's law (super-linear speedup, or a slowdown)"
                                       : "the serial fraction is outside 0..1: these times do not follow "
                                         "Gustafson's law";
    }
    if (!note.empty()) fit["note"] = note;
  }
  Table comparisons = Table::array();
  // Strong scaling: each core count against the previous one; oversubscribed points measure sharing.
  for (std::size_t i = 1; i < points.size(); ++i) {
    if (kind == Scaling::kStrong && !points[i].oversubscribed && !points[i - 1].oversubscribed)
      comparisons.push_back(verdict(points[i - 1], points[i]));
  }
  Table table;
  table["warnings"] = row_warnings(rows, points);
  table["baseline_cores"] = first.layout.cores();
  table["rows"] = std::move(rows);
  table["fit"] = std::move(fit);
  table["comparisons"] = std::move(comparisons);
  return table;
}

}  // namespace parakit::study
