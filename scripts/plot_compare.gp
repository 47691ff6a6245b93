# Draws a layout comparison (parakit compare --format csv) as a bar chart: per layout, the median time of
# one run with its 95 % interval, beside the launch (fixed) cost of the same layout. A '*' marks an
# oversubscribed layout. parakit compare --plot FILE runs this very file (installed in share/parakit/).
#
#   gnuplot -e "csv='compare.csv'; png='compare.png'" scripts/plot_compare.gp

if (!exists("csv")) csv = 'compare.csv'
if (!exists("title")) title = 'parakit compare'
if (!exists("png")) png = 'compare.png'

set datafile separator ','
set datafile missing ''
stats csv using "median_s" nooutput
# Python rows can be 100 x slower than parakit's: a log scale keeps every bar readable.
if (STATS_min > 0 && STATS_max / STATS_min > 30) { set logscale y } else { set yrange [0:*] }

label(name, over) = strcol(name) . (strcol(over) eq 'true' ? ' *' : '')

set terminal pngcairo size 1000,600 font ',11'
set output png
set title title noenhanced
set ylabel 'seconds'
set grid ytics
set key top left
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.85 border rgb '#333333'
set xtics rotate by -30 noenhanced
set xlabel '* oversubscribed: more threads than cores (its time measures sharing)' font ',9'
plot csv using "median_s":"ci_low_s":"ci_high_s":xticlabels(label("layout", "oversubscribed")) \
         lc rgb '#1f77b4' title 'one run (median, 95 % interval)', \
     csv using "launch_s":"launch_s":"launch_s" lc rgb '#ff7f0e' title 'launch (empty run)'
