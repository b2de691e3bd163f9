# The loopback DNS server the test answers from (fake_dns.h).
target_sources(${name} PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/fake_dns.c)
