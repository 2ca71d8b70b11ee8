package classify

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"sync"
)

// The hidden-layer model (Config.Hidden > 0) puts one layer of rectified linear units between
// the sparse features and the class scores: h = relu(x·hidden + HiddenB), scores = h·W + B.
// A linear model can only add up the evidence of single features; the hidden units learn
// combinations ("card" with "not recognised" but without "direct debit"), which is where
// most of the linear model's errors on fine-grained intents come from. The first layer is a
// lookup-and-add over the text's few hundred features, so prediction stays in microseconds.
// The layer is kept and stored as one byte per weight with a scale per feature
// (quantizeRows): the shipped intent model's file is 8 MB instead of 38 with float32.

// hiddenInit is the range of the first layer's uniform initial weights. Input vectors are
// L2-normalised, so a unit starts with pre-activations of about this size whatever the
// vocabulary. With 1 the model ended at 0.888 on a banking77 dev split instead of 0.912.
const hiddenInit = 0.1

// fitHidden trains the hidden-layer model as max(1, Config.Runs) independent networks of
// Hidden/Runs units each (different seeds, run side by side on the cores) and joins them into
// one network of Hidden units whose class scores are the mean of theirs: averaging the scores
// of an ensemble is exactly concatenating the hidden layers and halving (for two) the output
// weights, so the ensemble costs no more to store or to run than one network of that size.
func fitHidden(ctx context.Context, docs []sparse, ys []int, K, nFeat int, cfg Config, progress func(string)) (hid, hidB, W, B []float32, err error) {
	runs := max(1, cfg.Runs)
	if runs == 1 {
		return sgdHidden(ctx, docs, ys, K, nFeat, cfg, progress)
	}
	H := cfg.Hidden
	if H%runs != 0 {
		return nil, nil, nil, nil, fmt.Errorf("classify: %d hidden units do not split into %d runs", H, runs)
	}
	h := H / runs
	type part struct{ hid, hidB, W, B []float32 }
	parts := make([]part, runs)
	err = parallelRuns(runs, func(r int) error {
		c := cfg
		c.Hidden, c.Seed = h, runSeed(cfg.Seed, r)
		p := progress
		if r > 0 {
			p = func(string) {}
		}
		q := &parts[r]
		var err error
		q.hid, q.hidB, q.W, q.B, err = sgdHidden(ctx, docs, ys, K, nFeat, c, p)
		return err
	})
	if err != nil {
		return nil, nil, nil, nil, err
	}
	hid, hidB, W, B = make([]float32, nFeat*H), make([]float32, 0, H), make([]float32, 0, H*K), make([]float32, K)
	inv := 1 / float32(runs)
	for r, q := range parts {
		for f := 0; f < nFeat; f++ {
			copy(hid[f*H+r*h:f*H+r*h+h], q.hid[f*h:f*h+h])
		}
		hidB = append(hidB, q.hidB...)
		for _, w := range q.W {
			W = append(W, w*inv)
		}
		for k, b := range q.B {
			B[k] += b * inv
		}
	}
	progress(fmt.Sprintf("joined %d networks of %d hidden units", runs, h))
	return hid, hidB, W, B, nil
}

// sgdHidden trains the hidden-layer model by SGD on the softmax loss with input dropout
// (Config.Dropout), label smoothing (Config.LabelSmoothing) and a learning rate that falls
// linearly to zero over the run.
func sgdHidden(ctx context.Context, docs []sparse, ys []int, K, nFeat int, cfg Config, progress func(string)) (hid, hidB, W, B []float32, err error) {
	H := cfg.Hidden
	r := rand.New(rand.NewPCG(cfg.Seed, 0x41dd))
	hid = make([]float32, nFeat*H)
	for i := range hid {
		hid[i] = float32((r.Float64()*2 - 1) * hiddenInit)
	}
	hidB = make([]float32, H)
	W = make([]float32, H*K)
	a := math.Sqrt(6 / float64(H+K)) // Glorot: keeps the initial scores near zero
	for i := range W {
		W[i] = float32((r.Float64()*2 - 1) * a)
	}
	B = make([]float32, K)

	h := make([]float32, H)
	on := make([]int32, 0, H)  // units with a positive activation
	gh := make([]float32, H)   // loss gradient of each unit in on
	act := make([]int32, 0, K) // classes with a noticeable gradient
	gz := make([]float32, K)   // their gradients
	z := make([]float64, K)
	order := make([]int, len(docs))
	for i := range order {
		order[i] = i
	}
	var dropped sparse
	smooth := cfg.LabelSmoothing / float64(K)
	epochs := max(1, cfg.Epochs, (cfg.MinSteps+len(docs)-1)/max(1, len(docs)))
	total, t := float64(epochs*len(docs)), 0.0
	for ep := 0; ep < epochs; ep++ {
		if err := ctx.Err(); err != nil {
			return nil, nil, nil, nil, err
		}
		r.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		loss := 0.0
		for _, di := range order {
			d := dropout(docs[di], cfg.Dropout, r, &dropped)
			lr := float32(cfg.Rate * max(0.001, 1-t/total))
			t++
			on = hiddenForward(d, hid, hidB, W, B, h, on, z)
			y := ys[di]
			softmax(z)
			loss -= math.Log(max(z[y], 1e-12))
			// softmax gradient towards the smoothed target (1-ε) on y, ε/K on every class
			for k := range z {
				z[k] -= smooth
			}
			z[y] -= 1 - cfg.LabelSmoothing
			// Late in training most classes have a negligible gradient: as in the linear
			// trainer, only the others are updated, which is most of the speed.
			act = act[:0]
			for k, g := range z {
				if g > -1e-4 && g < 1e-4 {
					continue
				}
				gz[len(act)] = float32(g)
				act = append(act, int32(k))
				B[k] -= lr * float32(g)
			}
			// output layer: each active unit's gradient (with the old weights), then the update
			for a, j := range on {
				row := W[int(j)*K : int(j)*K+K]
				hv := lr * h[j]
				g := float32(0)
				for c, k := range act {
					g += gz[c] * row[k]
					row[k] -= hv * gz[c]
				}
				gh[a] = g
				hidB[j] -= lr * g
			}
			// hidden layer: only the rows of the text's features and the units that are on
			// (about half) change
			for i, f := range d.idx {
				v := lr * d.val[i]
				row := hid[int(f)*H : int(f)*H+H]
				for a, j := range on {
					row[j] -= v * gh[a]
				}
			}
		}
		progress(fmt.Sprintf("epoch %d/%d: mean loss %.4f", ep+1, epochs, loss/float64(len(docs))))
	}
	return hid, hidB, W, B, nil
}

// hiddenForward computes the hidden activations h and the class scores z of one vector with
// the float32 layer of training and returns the units that are on (reusing on's storage); h
// of the others is 0.
func hiddenForward(d sparse, hid, hidB, W, B []float32, h []float32, on []int32, z []float64) []int32 {
	H := len(h)
	copy(h, hidB)
	for i, f := range d.idx {
		v := d.val[i]
		row := hid[int(f)*H : int(f)*H+H]
		for j, w := range row[:len(h)] {
			h[j] += v * w
		}
	}
	return outputLayer(h, W, B, on, z)
}

// forwardQuantized is hiddenForward with the stored int8 layer (see quantizeRows): the
// row's scale is folded into the feature's value, so the inner loop is one multiply-add per
// unit, as in training.
func forwardQuantized(d sparse, q []byte, scale, hidB, W, B []float32, h []float32, on []int32, z []float64) []int32 {
	H := len(h)
	copy(h, hidB)
	for i, f := range d.idx {
		v := d.val[i] * scale[f]
		row := q[int(f)*H : int(f)*H+H]
		for j, b := range row[:len(h)] {
			h[j] += v * float32(int8(b))
		}
	}
	return outputLayer(h, W, B, on, z)
}

// outputLayer rectifies h in place and computes the class scores z = relu(h)·W + B; it
// returns the units that are on.
func outputLayer(h, W, B []float32, on []int32, z []float64) []int32 {
	K := len(z)
	for k := range z {
		z[k] = float64(B[k])
	}
	on = on[:0]
	for j, hv := range h {
		if hv <= 0 {
			h[j] = 0
			continue
		}
		on = append(on, int32(j))
		row := W[j*K : j*K+K]
		for k, w := range row {
			z[k] += float64(hv * w)
		}
	}
	return on
}

// quantizeRows stores the hidden layer (nFeat rows of H weights) as one signed byte per
// weight with one float32 scale per row (the row's largest magnitude / 127): a quarter of the
// float32 size, which is what the model file and the database's model history hold, and what
// the model predicts with (the trained model and a loaded one are the same). A row is one
// feature's weights into every unit, so its scale follows how strongly that feature was
// trained; the rounding error, at most half a step of 1/254 of the row's range, is far below
// what the dropout noise of training leaves.
func quantizeRows(w []float32, H int) (q []byte, scale []float32) {
	n := len(w) / H
	q = make([]byte, len(w))
	scale = make([]float32, n)
	for f := 0; f < n; f++ {
		row := w[f*H : f*H+H]
		mx := float32(0)
		for _, v := range row {
			mx = max(mx, v, -v)
		}
		if mx == 0 {
			continue
		}
		s := mx / 127
		scale[f] = s
		inv := 1 / s
		out := q[f*H : f*H+H]
		for j, v := range row {
			out[j] = byte(int8(math.Round(float64(v * inv))))
		}
	}
	return q, scale
}

// dropout returns d with each feature kept with probability 1-p and scaled by 1/(1-p), so
// that the expected input is unchanged (p = 0 returns d itself). Training on such thinned
// texts keeps the model from leaning on a few features that happen to identify the training
// texts, which is the main risk with short utterances and many features. buf is reused.
func dropout(d sparse, p float64, r *rand.Rand, buf *sparse) sparse {
	if p <= 0 {
		return d
	}
	keep := float32(1 / (1 - p))
	buf.idx, buf.val = buf.idx[:0], buf.val[:0]
	for i, f := range d.idx {
		if r.Float64() >= p {
			buf.idx = append(buf.idx, f)
			buf.val = append(buf.val, d.val[i]*keep)
		}
	}
	return *buf
}

// parallelRuns calls run(0) … run(n-1), as many at a time as there are cores, and returns the
// first error. SGD runs are independent, so several of them use the cores a single one cannot.
func parallelRuns(n int, run func(r int) error) error {
	errs := make([]error, n)
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	for r := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[r] = run(r)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// runSeed is the seed of SGD run r of a model trained with seed.
func runSeed(seed uint64, r int) uint64 { return seed + uint64(r)*7919 }
