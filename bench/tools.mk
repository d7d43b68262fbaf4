# bench/tools.mk: the benchmark tools, self-contained (not part of the
# autotools build; not named Makefile, which .gitignore leaves out).
# Binaries go to $(OUT), by default build/bench-tools at the top of the
# tree (ignored by git).
#
#   make -f bench/tools.mk            build cgbench and nullgw
#   make -f bench/tools.mk OUT=/tmp/x
#   make -f bench/tools.mk clean

TOP	?= $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
OUT	?= $(TOP)/build/bench-tools
CC	?= cc
CFLAGS	?= -O2 -g
WARN	 = -std=gnu11 -Wall -Wextra -Wshadow -Wmissing-prototypes \
	   -Wstrict-prototypes
PKGS	 = libsodium jansson
PCFLAGS	:= $(shell pkg-config --cflags $(PKGS))
PCLIBS	:= $(shell pkg-config --libs $(PKGS))

SRC	 = $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
# libcommon's pure modules the tools share with the CLI and the tests:
# the RFC 6455 codec, SHA-1, the signed device payload.  Compiled from
# their sources here, so no configured tree is needed.
COMMON	 = $(TOP)/src/common
CMN_OBJ	 = wsframe.o sha1.o
CGB_OBJ	 = cgbench.o ident.o latency.o procstat.o devsig.o $(CMN_OBJ)
NGW_OBJ	 = nullgw.o $(CMN_OBJ)

all: $(OUT)/cgbench $(OUT)/nullgw

$(OUT)/cgbench: $(addprefix $(OUT)/,$(CGB_OBJ))
	$(CC) $(CFLAGS) -o $@ $^ $(PCLIBS) -lm

$(OUT)/nullgw: $(addprefix $(OUT)/,$(NGW_OBJ))
	$(CC) $(CFLAGS) -o $@ $^ $(PCLIBS)

$(OUT)/%.o: $(SRC)/%.c $(wildcard $(SRC)/*.h $(COMMON)/*.h) | $(OUT)
	$(CC) $(WARN) $(CFLAGS) -I$(COMMON) $(PCFLAGS) -c -o $@ $<

$(OUT)/%.o: $(COMMON)/%.c $(COMMON)/%.h | $(OUT)
	$(CC) $(WARN) $(CFLAGS) -I$(COMMON) $(PCFLAGS) -c -o $@ $<

$(OUT):
	mkdir -p $@

clean:
	rm -f $(OUT)/*.o $(OUT)/cgbench $(OUT)/nullgw

.PHONY: all clean
