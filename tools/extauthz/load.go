package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	"google.golang.org/genproto/googleapis/rpc/code"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
)

// runLoad is the benchmark's load generator for ext_authz: `-workers` concurrent callers, each
// sending its next request as soon as the last one is answered, for `-warmup` (not counted) then
// `-duration`. `-mode grpc`: Authorization/Check with Envoy's CheckRequest, the token in the
// authorization header, over `-conns` HTTP/2 connections; an answer counts as an error unless its
// status is OK (every request the benchmark sends must be allowed). `-mode opa`: POST to stock
// OPA's Data API with the token in the input, as bench/src/load/authz.lua does; an error unless
// 2xx. Tokens rotate over `-tokens` (one per line). Prints one JSON summary.
func runLoad(args []string) error {
	fs := flag.NewFlagSet("load", flag.ExitOnError)
	mode := fs.String("mode", "grpc", "grpc (ext_authz Check) or opa (OPA's Data API)")
	addr := fs.String("addr", "127.0.0.1:9191", "grpc: the ext_authz address")
	url := fs.String("url", "", "opa: the Data API URL, e.g. http://127.0.0.1:8181/v1/data/bench/peer/decision")
	tokensFile := fs.String("tokens", "", "file with one token per line")
	method := fs.String("method", "GET", "the checked request's method")
	path := fs.String("path", "/api/orders/42", "the checked request's path")
	workers := fs.Int("workers", 32, "concurrent requests")
	conns := fs.Int("conns", 4, "grpc: HTTP/2 connections")
	warmup := fs.Duration("warmup", 3*time.Second, "load before measuring")
	duration := fs.Duration("duration", 8*time.Second, "measured load")
	_ = fs.Parse(args)
	tokens, err := readTokens(*tokensFile)
	if err != nil {
		return err
	}
	// send answers "" when the request was allowed, otherwise what went wrong (a gRPC code, a denial's
	// status and message, an HTTP status): the summary counts each, so an error in a run can be told apart.
	var send func(ctx context.Context, i int) string
	switch *mode {
	case "grpc":
		s, closeAll, err := grpcSender(*addr, *conns, tokens, *method, *path)
		if err != nil {
			return err
		}
		defer closeAll()
		send = s
	case "opa":
		send = opaSender(*url, *workers, tokens, *method, *path)
	default:
		return fmt.Errorf("unknown -mode %q", *mode)
	}
	var next atomic.Int64
	var measuring atomic.Bool
	var errs atomic.Int64
	var kindsMu sync.Mutex
	kinds := map[string]int64{}
	lat := make([][]time.Duration, *workers)
	ctx, cancel := context.WithTimeout(context.Background(), *warmup+*duration)
	defer cancel()
	var wg sync.WaitGroup
	for w := 0; w < *workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				t0 := time.Now()
				kind := send(ctx, i)
				if ctx.Err() != nil || !measuring.Load() {
					continue
				}
				lat[w] = append(lat[w], time.Since(t0))
				if kind != "" {
					errs.Add(1)
					kindsMu.Lock()
					kinds[kind]++
					kindsMu.Unlock()
				}
			}
		}(w)
	}
	time.Sleep(*warmup)
	measuring.Store(true)
	start := time.Now()
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	sort.Slice(all, func(a, b int) bool { return all[a] < all[b] })
	pct := func(p float64) int64 {
		if len(all) == 0 {
			return 0
		}
		return all[min(len(all)-1, int(p*float64(len(all))))].Microseconds()
	}
	return json.NewEncoder(os.Stdout).Encode(map[string]any{
		"mode": *mode, "requests": len(all), "duration_us": elapsed.Microseconds(), "errors": errs.Load(), "error_kinds": kinds,
		"rps": float64(len(all)) / elapsed.Seconds(), "tokens": len(tokens), "wraps": int(next.Load()) / max(1, len(tokens)),
		"latency_us": map[string]int64{"p50": pct(0.50), "p90": pct(0.90), "p99": pct(0.99), "p999": pct(0.999)},
	})
}

// grpcSender sends Envoy's CheckRequest for each token over `conns` HTTP/2 connections; true when allowed.
func grpcSender(addr string, conns int, tokens []string, method, path string) (func(context.Context, int) string, func(), error) {
	clients := make([]authv3.AuthorizationClient, conns)
	opened := make([]*grpc.ClientConn, 0, conns)
	closeAll := func() {
		for _, c := range opened {
			c.Close()
		}
	}
	for c := range clients {
		conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		opened = append(opened, conn)
		clients[c] = authv3.NewAuthorizationClient(conn)
	}
	reqs := make([]*authv3.CheckRequest, len(tokens))
	for i, t := range tokens {
		reqs[i] = &authv3.CheckRequest{Attributes: &authv3.AttributeContext{
			Source: &authv3.AttributeContext_Peer{Address: &corev3.Address{Address: &corev3.Address_SocketAddress{SocketAddress: &corev3.SocketAddress{Address: "127.0.0.1", PortSpecifier: &corev3.SocketAddress_PortValue{PortValue: 40000}}}}},
			Request: &authv3.AttributeContext_Request{Http: &authv3.AttributeContext_HttpRequest{
				Method: method, Path: path, Host: "orders.example", Scheme: "http", Protocol: "HTTP/1.1",
				Headers: map[string]string{":method": method, ":path": path, ":authority": "orders.example", "authorization": "Bearer " + t},
			}},
		}}
	}
	return func(ctx context.Context, i int) string {
		resp, err := clients[i%len(clients)].Check(ctx, reqs[i%len(reqs)])
		if err != nil {
			st := status.Convert(err)
			return st.Code().String() + ": " + truncate(st.Message(), 120)
		}
		if c := resp.GetStatus().GetCode(); c != int32(code.Code_OK) {
			return "denied " + code.Code(c).String() + ": " + truncate(resp.GetStatus().GetMessage(), 120)
		}
		return ""
	}, closeAll, nil
}

// opaSender POSTs OPA's Data API with the token in the input, as bench/src/load/authz.lua does; true on 2xx.
func opaSender(url string, workers int, tokens []string, method, path string) func(context.Context, int) string {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers, MaxConnsPerHost: workers}}
	bodies := make([][]byte, len(tokens))
	for i, t := range tokens {
		bodies[i], _ = json.Marshal(map[string]any{"input": map[string]string{"token": t, "method": method, "path": path}})
	}
	return func(ctx context.Context, i int) string {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(bodies[i%len(bodies)]))
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		if err != nil {
			return "transport: " + truncate(err.Error(), 120)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode/100 != 2 {
			return fmt.Sprintf("HTTP %d", res.StatusCode)
		}
		return ""
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

func readTokens(file string) ([]string, error) {
	if file == "" {
		return nil, fmt.Errorf("-tokens is required")
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []string
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		if t := strings.TrimSpace(s.Text()); t != "" {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s has no tokens", file)
	}
	return out, s.Err()
}
