/*
 * mhd_load.h — libmicrohttpd for `kiln serve`, loaded when it starts
 * (mhd_load.c) rather than by ld.so in every kiln process: with its TLS
 * stack it cost each one about 1.3 ms of start-up, more than a tenth of an
 * interpreted `kiln run` to `_start`.
 */
#ifndef KILN_MHD_LOAD_H
#define KILN_MHD_LOAD_H

#include <stdbool.h>
#include <stddef.h>

#include <microhttpd.h>

/* The functions kiln serve calls, each of its declared type; set by
 * mhd_load. */
typedef struct mhd_api {
	__typeof__(MHD_start_daemon) *start_daemon;
	__typeof__(MHD_stop_daemon) *stop_daemon;
	__typeof__(MHD_get_connection_info) *get_connection_info;
	__typeof__(MHD_get_connection_values) *get_connection_values;
	__typeof__(MHD_lookup_connection_value) *lookup_connection_value;
	__typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
	__typeof__(MHD_add_response_header) *add_response_header;
	__typeof__(MHD_queue_response) *queue_response;
	__typeof__(MHD_destroy_response) *destroy_response;
} mhd_api;

extern mhd_api mhd;

/* Loads libmicrohttpd (once): true, or false with the reason in why. */
bool mhd_load(char *why, size_t size);

#endif /* KILN_MHD_LOAD_H */
