package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
)

// runCheck reads a JSON array of CheckRequests (protojson, as Envoy's types define them) from
// stdin, sends each to Authorization/Check as Envoy would, and prints a JSON array with, for each,
// {"response": <CheckResponse as protojson>} or {"error": {"code": <gRPC code>, "message": ...,
// "decision_id": <trailer>}}.
func runCheck(args []string) error {
	fs := flag.NewFlagSet("check", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:9191", "the ext_authz gRPC address")
	timeout := fs.Duration("timeout", 5*time.Second, "per-call timeout")
	_ = fs.Parse(args)
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		return err
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(in, &raw); err != nil {
		return fmt.Errorf("stdin must be a JSON array of CheckRequests: %w", err)
	}
	conn, err := grpc.NewClient(*addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	client := authv3.NewAuthorizationClient(conn)
	out := make([]map[string]any, 0, len(raw))
	for i, r := range raw {
		var req authv3.CheckRequest
		if err := protojson.Unmarshal(r, &req); err != nil {
			return fmt.Errorf("request %d is not a CheckRequest: %w", i, err)
		}
		if err := req.ValidateAll(); err != nil {
			return fmt.Errorf("request %d fails Envoy's validation: %w", i, err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), *timeout)
		var trailer metadata.MD
		resp, err := client.Check(ctx, &req, grpc.Trailer(&trailer))
		cancel()
		if err != nil {
			st := status.Convert(err)
			e := map[string]any{"code": int(st.Code()), "message": st.Message()}
			if ids := trailer.Get("x-authz-decision-id"); len(ids) > 0 {
				e["decision_id"] = ids[0]
			}
			out = append(out, map[string]any{"error": e})
			continue
		}
		if err := resp.ValidateAll(); err != nil {
			return fmt.Errorf("response %d fails Envoy's validation: %w", i, err)
		}
		b, err := protojson.MarshalOptions{UseProtoNames: true}.Marshal(resp)
		if err != nil {
			return err
		}
		out = append(out, map[string]any{"response": json.RawMessage(b)})
	}
	return json.NewEncoder(os.Stdout).Encode(out)
}

func runHealth(args []string) error {
	fs := flag.NewFlagSet("health", flag.ExitOnError)
	addr := fs.String("addr", "127.0.0.1:9191", "the gRPC address")
	service := fs.String("service", "", "the service name (empty: the server)")
	_ = fs.Parse(args)
	conn, err := grpc.NewClient(*addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return err
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{Service: *service})
	if err != nil {
		return err
	}
	fmt.Println(resp.GetStatus().String())
	return nil
}
