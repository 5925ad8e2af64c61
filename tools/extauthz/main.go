// Command extauthz is authz-sidecar's Envoy-side toolbox, built from Envoy's own published Go
// types (github.com/envoyproxy/go-control-plane) and Istio's (istio.io/api), never from the
// sidecar's vendored protos, so that what it checks is checked against Envoy and Istio:
//
//	extauthz check -addr 127.0.0.1:9191 < requests.json   send CheckRequests (protojson), print the answers
//	extauthz health -addr 127.0.0.1:9191 [-service name]   grpc.health.v1 Check
//	extauthz descriptors                                   the ext_authz v3 descriptors compiled into go-control-plane
//	extauthz validate-envoy deploy/envoy/envoy.yaml        unmarshal as a Bootstrap, Validate() every message, Any included
//	extauthz validate-istio deploy/istio/*.yaml            AuthorizationPolicy and MeshConfig with Istio's types
//	extauthz load -mode grpc|http ...                      a closed-loop load generator for bench/ (see load.go)
//
// scripts/build-go-tools.sh builds it (into .tools/, git-ignored).
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: extauthz check|health|descriptors|validate-envoy|validate-istio|load [flags]")
		os.Exit(2)
	}
	var err error
	args := os.Args[2:]
	switch os.Args[1] {
	case "check":
		err = runCheck(args)
	case "health":
		err = runHealth(args)
	case "descriptors":
		err = runDescriptors(args)
	case "validate-envoy":
		err = runValidateEnvoy(args)
	case "validate-istio":
		err = runValidateIstio(args)
	case "load":
		err = runLoad(args)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "extauthz:", err)
		os.Exit(1)
	}
}
