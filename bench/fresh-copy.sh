#!/bin/sh
# A fresh copy of the generated bench database for one load-test run (the run writes to it),
# so every run starts from the same data. Usage: bench/fresh-copy.sh [source] [copy]
set -e
source=${1:-samplan_bench}
copy=${2:-samplan_bench_run}
psql -h 127.0.0.1 -U postgres -qc "DROP DATABASE IF EXISTS $copy"
psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE $copy TEMPLATE $source"
psql -h 127.0.0.1 -U postgres -d "$copy" -qc "VACUUM ANALYZE"
