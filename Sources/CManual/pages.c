/* The pages of man/, embedded (C23 #embed); CManual.h says why. */
#include "CManual.h"

static const unsigned char in_ctcs_8[] = {
#embed "../../man/in.ctcs.8"
};

static const unsigned char in_dhcp_8[] = {
#embed "../../man/in.dhcp.8"
};

static const unsigned char in_dhcp_conf_5[] = {
#embed "../../man/in.dhcp.conf.5"
};

static const unsigned char in_dns_8[] = {
#embed "../../man/in.dns.8"
};

static const unsigned char in_dns_conf_5[] = {
#embed "../../man/in.dns.conf.5"
};

static const unsigned char in_jabberd_8[] = {
#embed "../../man/in.jabberd.8"
};

static const unsigned char in_jabberd_conf_5[] = {
#embed "../../man/in.jabberd.conf.5"
};

static const unsigned char in_mvp_8[] = {
#embed "../../man/in.mvp.8"
};

static const unsigned char in_proxy_8[] = {
#embed "../../man/in.proxy.8"
};

static const unsigned char in_smtp_8[] = {
#embed "../../man/in.smtp.8"
};

static const unsigned char in_www_8[] = {
#embed "../../man/in.www.8"
};

static const unsigned char slug_tls_8[] = {
#embed "../../man/slug-tls.8"
};

static const unsigned char torrents_cgi_8[] = {
#embed "../../man/torrents.cgi.8"
};

static const struct slug_manual_page pages[] = {
  {"in.ctcs.8", in_ctcs_8, sizeof in_ctcs_8},
  {"in.dhcp.8", in_dhcp_8, sizeof in_dhcp_8},
  {"in.dhcp.conf.5", in_dhcp_conf_5, sizeof in_dhcp_conf_5},
  {"in.dns.8", in_dns_8, sizeof in_dns_8},
  {"in.dns.conf.5", in_dns_conf_5, sizeof in_dns_conf_5},
  {"in.jabberd.8", in_jabberd_8, sizeof in_jabberd_8},
  {"in.jabberd.conf.5", in_jabberd_conf_5, sizeof in_jabberd_conf_5},
  {"in.mvp.8", in_mvp_8, sizeof in_mvp_8},
  {"in.proxy.8", in_proxy_8, sizeof in_proxy_8},
  {"in.smtp.8", in_smtp_8, sizeof in_smtp_8},
  {"in.www.8", in_www_8, sizeof in_www_8},
  {"slug-tls.8", slug_tls_8, sizeof slug_tls_8},
  {"torrents.cgi.8", torrents_cgi_8, sizeof torrents_cgi_8},
};

size_t slug_manual_page_count(void) { return sizeof pages / sizeof pages[0]; }

struct slug_manual_page slug_manual_page(size_t index) {
  if (index >= slug_manual_page_count()) return (struct slug_manual_page){0};
  return pages[index];
}
