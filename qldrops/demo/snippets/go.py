"""Go sources: JWT auth services (a near-duplicate pair), a Gin handler, a worker pool."""

JWT_AUTH = r'''// File: internal/auth/jwt.go
package auth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
)

var (
	ErrMalformed = errors.New("auth: malformed token")
	ErrSignature = errors.New("auth: bad signature")
	ErrExpired   = errors.New("auth: token expired")
)

// Claims is the payload we sign. Keep it small: it travels on every request.
type Claims struct {
	Subject   string `json:"sub"`
	Role      string `json:"role"`
	IssuedAt  int64  `json:"iat"`
	ExpiresAt int64  `json:"exp"`
}

type Signer struct {
	secret []byte
	ttl    time.Duration
	now    func() time.Time
}

func NewSigner(secret []byte, ttl time.Duration) *Signer {
	return &Signer{secret: secret, ttl: ttl, now: time.Now}
}

var b64 = base64.RawURLEncoding

func (s *Signer) Issue(subject, role string) (string, error) {
	now := s.now()
	header := b64.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
	payload, err := json.Marshal(Claims{Subject: subject, Role: role, IssuedAt: now.Unix(), ExpiresAt: now.Add(s.ttl).Unix()})
	if err != nil {
		return "", err
	}
	unsigned := header + "." + b64.EncodeToString(payload)
	return unsigned + "." + s.sign(unsigned), nil
}

func (s *Signer) sign(unsigned string) string {
	mac := hmac.New(sha256.New, s.secret)
	mac.Write([]byte(unsigned))
	return b64.EncodeToString(mac.Sum(nil))
}

func (s *Signer) Verify(token string) (*Claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, ErrMalformed
	}
	expected := s.sign(parts[0] + "." + parts[1])
	if !hmac.Equal([]byte(expected), []byte(parts[2])) {
		return nil, ErrSignature
	}
	raw, err := b64.DecodeString(parts[1])
	if err != nil {
		return nil, ErrMalformed
	}
	var c Claims
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, ErrMalformed
	}
	if s.now().Unix() > c.ExpiresAt+60 {
		return nil, ErrExpired
	}
	return &c, nil
}

// File: cmd/authd/main.go
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"example.com/authd/internal/auth"
)

type loginRequest struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func main() {
	secret := os.Getenv("AUTH_SECRET")
	if secret == "" {
		log.Fatal("AUTH_SECRET must be set")
	}
	signer := auth.NewSigner([]byte(secret), 15*time.Minute)
	users := map[string]string{"ada": "lovelace", "linus": "torvalds"}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		var req loginRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, "bad json", http.StatusBadRequest)
			return
		}
		if pw, ok := users[req.Username]; !ok || pw != req.Password {
			http.Error(w, "invalid credentials", http.StatusUnauthorized)
			return
		}
		token, err := signer.Issue(req.Username, "user")
		if err != nil {
			http.Error(w, "internal error", http.StatusInternalServerError)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"access_token": token})
	})
	mux.HandleFunc("GET /me", func(w http.ResponseWriter, r *http.Request) {
		token := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		claims, err := signer.Verify(token)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		json.NewEncoder(w).Encode(claims)
	})
	log.Println("authd listening on :8080")
	log.Fatal(http.ListenAndServe(":8080", mux))
}
'''

# A second analyst asked for nearly the same service: 30-minute tokens, an
# issuer claim and no clock leeway. A near-duplicate of JWT_AUTH on purpose.
JWT_AUTH_V2 = (
    JWT_AUTH.replace("\tRole      string `json:\"role\"`\n", "\tRole      string `json:\"role\"`\n\tIssuer    string `json:\"iss\"`\n")
    .replace("Claims{Subject: subject, Role: role,", "Claims{Subject: subject, Role: role, Issuer: \"authd\",")
    .replace("c.ExpiresAt+60", "c.ExpiresAt")
    .replace("15*time.Minute", "30*time.Minute")
    .replace("authd listening on :8080", "auth service ready on :8080")
)

GIN_USER_HANDLER = r'''// File: internal/handlers/user.go
package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"sync"

	"github.com/gin-gonic/gin"
)

type User struct {
	ID    int    `json:"id"`
	Name  string `json:"name" binding:"required,min=2"`
	Email string `json:"email" binding:"required,email"`
}

var ErrNotFound = errors.New("user not found")

// UserStore is in memory for now; the interface lets us swap in Postgres later.
type UserStore struct {
	mu     sync.RWMutex
	nextID int
	users  map[int]User
}

func NewUserStore() *UserStore { return &UserStore{nextID: 1, users: map[int]User{}} }

func (s *UserStore) Create(u User) User {
	s.mu.Lock()
	defer s.mu.Unlock()
	u.ID = s.nextID
	s.nextID++
	s.users[u.ID] = u
	return u
}

func (s *UserStore) Get(id int) (User, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	u, ok := s.users[id]
	if !ok {
		return User{}, ErrNotFound
	}
	return u, nil
}

func Register(r *gin.Engine, store *UserStore) {
	r.POST("/users", func(c *gin.Context) {
		var u User
		if err := c.ShouldBindJSON(&u); err != nil {
			c.JSON(http.StatusBadRequest, gin.H{"error": err.Error()})
			return
		}
		c.JSON(http.StatusCreated, store.Create(u))
	})
	r.GET("/users/:id", func(c *gin.Context) {
		id, err := strconv.Atoi(c.Param("id"))
		if err != nil {
			c.JSON(http.StatusBadRequest, gin.H{"error": "id must be a number"})
			return
		}
		u, err := store.Get(id)
		if err != nil {
			c.JSON(http.StatusNotFound, gin.H{"error": err.Error()})
			return
		}
		c.JSON(http.StatusOK, u)
	})
}
'''

WORKER_POOL = r'''// File: main.go
package main

import (
	"fmt"
	"sync"
	"time"
)

type Job struct {
	ID   int
	Size int
}

type Result struct {
	JobID   int
	Worker  int
	Elapsed time.Duration
}

func worker(id int, jobs <-chan Job, results chan<- Result, wg *sync.WaitGroup) {
	defer wg.Done()
	for job := range jobs {
		start := time.Now()
		sum := 0
		for i := 0; i < job.Size*1000; i++ {
			sum += i % 7
		}
		_ = sum
		results <- Result{JobID: job.ID, Worker: id, Elapsed: time.Since(start)}
	}
}

func main() {
	const workers = 4
	jobs := make(chan Job, 32)
	results := make(chan Result, 32)
	var wg sync.WaitGroup
	for w := 1; w <= workers; w++ {
		wg.Add(1)
		go worker(w, jobs, results, &wg)
	}
	for i := 1; i <= 12; i++ {
		jobs <- Job{ID: i, Size: i * 10}
	}
	close(jobs)
	go func() { wg.Wait(); close(results) }()

	perWorker := map[int]int{}
	for r := range results {
		perWorker[r.Worker]++
	}
	for w := 1; w <= workers; w++ {
		fmt.Printf("worker %d handled %d jobs\n", w, perWorker[w])
	}
}
'''
