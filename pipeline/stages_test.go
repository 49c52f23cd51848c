package pipeline

import (
	"context"
	"errors"
	"testing"
)

// TestQueue: the queue stage never blocks its sender, keeps order, and
// closes its output once the input is drained; cancellation stops it.
func TestQueue(t *testing.T) {
	in, out := make(chan int), make(chan int)
	errc := make(chan error, 1)
	go func() { errc <- queue(context.Background(), in, out, func(v int) int { return v }) }()
	for i := range 100 {
		in <- i // nobody reads out yet: must not block
	}
	close(in)
	for i := range 100 {
		if v := <-out; v != i {
			t.Fatalf("got %d, want %d", v, i)
		}
	}
	if _, ok := <-out; ok {
		t.Fatal("out not closed")
	}
	if err := <-errc; err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	in2 := make(chan int)
	go func() { errc <- queue(ctx, in2, make(chan int), func(v int) int { return v }) }()
	in2 <- 1
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("after cancel: %v", err)
	}
}
