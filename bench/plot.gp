# plot.gp: bench/run's plots.  gnuplot -e "dir='bench/results'" bench/plot.gp
# Reads throughput.dat, cpu.dat and scale.dat written by report.py.
set terminal pngcairo size 1000,420 font ",10" noenhanced
set datafile missing "?"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
set key top right
set logscale y

set output dir."/throughput.png"
set multiplot layout 1,2
set title "Handshakes per second (median, log scale)"
plot dir."/throughput.dat" using 2:xtic(1) title "null gateway", \
     "" using 3 title "clawgated", \
     "" using 4 title "reference"
set title "Server CPU per operation, µs (median, log scale)"
plot dir."/cpu.dat" using 2:xtic(1) title "null gateway", \
     "" using 3 title "clawgated", \
     "" using 4 title "reference"
unset multiplot

set output dir."/scale.png"
unset style
set style data linespoints
set logscale x
unset logscale y
set yrange [0:*]
set xlabel "paired devices"
set title "clawgated device handshakes against N paired devices"
set ylabel "handshakes/s"
set y2label "server CPU µs/op"
set y2range [0:*]
set y2tics
set ytics nomirror
plot dir."/scale.dat" using 1:2 axes x1y1 title "handshakes/s" lw 2 pt 7, \
     "" using 1:3 axes x1y2 title "server CPU µs/op" lw 2 pt 5
