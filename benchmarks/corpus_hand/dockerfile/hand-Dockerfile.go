ARG GO_VERSION=1.22
FROM golang:${GO_VERSION} AS builder
WORKDIR /workspace
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 GOOS=linux go build -o /out/server ./cmd/server

FROM gcr.io/distroless/static:nonroot
COPY --from=builder /out/server /server
ENTRYPOINT ["/server"]
