# Decision logs must never carry the token (the sidecar never logs it either).
package system.log

mask contains "/input/token"
