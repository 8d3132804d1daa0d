#ifndef CLAUDE_ROUTER_CYAML_SHIM_H
#define CLAUDE_ROUTER_CYAML_SHIM_H
#include <yaml.h>
#endif
