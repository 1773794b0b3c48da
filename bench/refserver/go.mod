module meshoperator.dev/bench/refserver

go 1.26
