# A tiny stand-in for nixpkgs, written for the kit's own offline CI (nix/check-flake
# --standin): just the attributes flake.nix uses, with fake packages whose programs
# answer the version questions the checks ask as the real ones do, with values
# modelled on nixos-26.05 (Compose 5, Python 3.12, PostgreSQL 16). It lets Debian's
# Nix 2.8 evaluate the dev shell for every system and enter it on this one, where
# nixpkgs itself cannot be fetched. Its packages are built with the host's /bin/sh,
# so it needs `sandbox = false` (check-flake --standin sets it). Not for real use.
{
  description = "Stand-in for the few nixpkgs attributes the kit's flake.nix uses (the kit's CI only)";

  outputs = { self }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];

      lib = {
        genAttrs = names: f: builtins.listToAttrs (map (name: { inherit name; value = f name; }) names);
        makeLibraryPath = packages: builtins.concatStringsSep ":" (map (p: "${p}/lib") packages);
      };

      packagesFor = system:
        let
          # A package whose programs run the given sh code: what the real program
          # prints for the checks' questions (`--version`, `docker compose version`).
          fake = name: programs: derivation {
            inherit name system;
            builder = "/bin/sh";
            args = [ "-c" (builtins.concatStringsSep "\n" ([ "/bin/mkdir -p $out/bin $out/lib" ]
              ++ map (program: ''
                /bin/cat > $out/bin/${program} <<'STANDIN'
                #!/bin/sh
                ${programs.${program}}
                STANDIN
                /bin/chmod +x $out/bin/${program}
              '') (builtins.attrNames programs))) ];
          };
          says = line: ''echo "${line}"'';
          python312 = fake "python3-3.12.12" {
            python3 = says "Python 3.12.12";
            "python3.12" = says "Python 3.12.12";
            python = says "Python 3.12.12";
          } // {
            version = "3.12.12";
            # As in nixpkgs: the versioned name, not bin/python3.
            interpreter = "${python312}/bin/python3.12";
          };
        in
        {
          inherit lib python312;
          stdenv = {
            isLinux = builtins.match ".*-linux" system != null;
            cc.cc.lib = fake "gcc-14.3.0-lib" { };
          };
          zlib = fake "zlib-1.3.1" { };
          docker-client = fake "docker-28.5.2" {
            docker = ''
              case "$1" in
                compose) echo "Docker Compose version 5.0.1" ;;
                *) echo "Docker version 28.5.2, build v28.5.2" ;;
              esac'';
          };
          docker-compose = fake "docker-compose-5.0.1" { docker-compose = says "Docker Compose version 5.0.1"; };
          # Says what the shellHook asked of it, so that the check can read it.
          uv = fake "uv-0.9.17" { uv = ''case "$1" in --version) echo "uv 0.9.17" ;; *) echo "standin uv $*" ;; esac''; };
          postgresql_16 = fake "postgresql-16.11" { psql = says "psql (PostgreSQL) 16.11"; pg_isready = says "pg_isready (PostgreSQL) 16.11"; };
          gnumake = fake "gnumake-4.4.1" { make = says "GNU Make 4.4.1"; };
          hadolint = fake "hadolint-2.12.0" { hadolint = says "Haskell Dockerfile Linter 2.12.0"; };
          # The shell `nix develop` starts: the host's own bash.
          bashInteractive = derivation {
            inherit system;
            name = "bash-interactive";
            builder = "/bin/sh";
            args = [ "-c" "/bin/mkdir -p $out/bin && /bin/ln -s /bin/bash $out/bin/bash" ];
          };
          # Like nixpkgs' mkShellNoCC: a bash derivation whose PATH holds the packages,
          # with every other attribute (variables, shellHook) passed to the shell.
          mkShellNoCC = { packages ? [ ], ... }@attrs: derivation (removeAttrs attrs [ "packages" ] // {
            inherit system;
            name = "nix-shell";
            outputs = [ "out" ];
            builder = "/bin/bash";
            PATH = builtins.concatStringsSep ":" (map (p: "${p}/bin") packages);
            args = [ "-c" "echo a dev shell cannot be built, only entered > $out" ];
          });
        };
    in
    {
      inherit lib;
      legacyPackages = lib.genAttrs systems packagesFor;
    };
}
