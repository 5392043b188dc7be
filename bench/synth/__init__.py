"""Pictures and numbers the benchmarks make from pen strokes and MNIST; the product never imports them."""
