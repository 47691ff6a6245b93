# Draws a scaling table (parakit scale --format csv, or scripts/strong_scaling.sh / weak_scaling.sh) as
# two PNG files: speedup against the ideal line, and parallel efficiency. Restyle freely: parakit scale
# --plot PREFIX runs this very file (installed in share/parakit/), with the variables below set.
#
#   gnuplot -e "csv='strong.csv'; speedup_png='speedup.png'; efficiency_png='efficiency.png'" \
#           scripts/plot_scaling.gp
#
# Columns used: cores, speedup, efficiency, noisy, oversubscribed (see README, "Studies").

if (!exists("csv")) csv = 'scale.csv'
if (!exists("title")) title = 'parakit scale'
if (!exists("speedup_png")) speedup_png = 'speedup.png'
if (!exists("efficiency_png")) efficiency_png = 'efficiency.png'

set datafile separator ','
set datafile missing ''
stats csv using "cores" nooutput
max_cores = STATS_max

flagged(name, value) = strcol(name) eq 'true' ? value : NaN

set terminal pngcairo size 900,600 font ',11'
set grid
set key top left
set xlabel 'cores (ranks x threads)'
set xrange [0:max_cores * 1.05 + 0.5]

# Weak scaling (a title with "weak") plots the scaled speedup p t(first) / t(p).
weak = strstrt(title, 'weak') > 0
set output speedup_png
set title title . (weak ? ': scaled speedup (work per core fixed)' : ': speedup') noenhanced
set ylabel (weak ? 'scaled speedup' : 'speedup')
set yrange [0:max_cores * 1.1 + 0.5]
plot x with lines dt 2 lc rgb '#888888' title 'ideal', \
     csv using "cores":"speedup" with linespoints lw 2 pt 7 lc rgb '#1f77b4' title 'measured (median)', \
     csv using "cores":(flagged("noisy", column("speedup"))) with points pt 6 ps 2.5 lc rgb '#ff7f0e' \
         title 'noisy (spread > 10 %)', \
     csv using "cores":(flagged("oversubscribed", column("speedup"))) with points pt 4 ps 3 lc rgb '#d62728' \
         title 'oversubscribed'

set output efficiency_png
set title title . ': parallel efficiency' noenhanced
set ylabel 'efficiency (speedup / cores)'
set yrange [0:1.2]
plot 1 with lines dt 2 lc rgb '#888888' title 'ideal', \
     csv using "cores":"efficiency" with linespoints lw 2 pt 7 lc rgb '#2ca02c' title 'measured (median)', \
     csv using "cores":(flagged("noisy", column("efficiency"))) with points pt 6 ps 2.5 lc rgb '#ff7f0e' \
         title 'noisy (spread > 10 %)', \
     csv using "cores":(flagged("oversubscribed", column("efficiency"))) with points pt 4 ps 3 \
         lc rgb '#d62728' title 'oversubscribed'
