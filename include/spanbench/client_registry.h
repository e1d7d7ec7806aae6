#pragma once

// spanbench::ClientRegistry (clients.toml): the client programs and how to
// start them, and find_client_registry(), the lookup spanbench itself uses
// (--clients, $SPANBENCH_CLIENTS, ./clients.toml, the installed registry).
#include "controller/client_registry.h"
#include "core/error.h"
