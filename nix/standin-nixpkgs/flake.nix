# A tiny stand-in for nixpkgs, written for the kit's offline checks (nix/check-flake):
# just the attributes flake.nix uses, with fake packages whose programs only say
# their name. It lets Debian's Nix 2.8 evaluate the dev shell for every system and
# enter it on this one, where nixpkgs itself cannot be fetched. Not for real use.
{
  description = "Stand-in for the few nixpkgs attributes the kit's flake.nix uses (tests only)";

  outputs = { self }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" "x86_64-darwin" "aarch64-darwin" ];

      lib = {
        genAttrs = names: f: builtins.listToAttrs (map (name: { inherit name; value = f name; }) names);
        makeLibraryPath = packages: builtins.concatStringsSep ":" (map (p: "${p}/lib") packages);
      };

      packagesFor = system:
        let
          # A package whose programs print "standin NAME ARGS..."; built with the host's /bin/sh.
          fake = name: programs: derivation {
            inherit name system;
            builder = "/bin/sh";
            args = [ "-c" (builtins.concatStringsSep "\n" ([ "/bin/mkdir -p $out/bin $out/lib" ]
              ++ map (program: ''
                printf '#!/bin/sh\necho "standin ${program} $*"\n' > $out/bin/${program}
                /bin/chmod +x $out/bin/${program}
              '') programs)) ];
          };
          python312 = fake "python3-3.12.0" [ "python3" "python" ] // {
            version = "3.12.0";
            interpreter = "${python312}/bin/python3";
          };
        in
        {
          inherit lib python312;
          stdenv.isLinux = builtins.match ".*-linux" system != null;
          docker-client = fake "docker-client" [ "docker" ];
          docker-compose = fake "docker-compose" [ "docker-compose" ];
          uv = fake "uv" [ "uv" ];
          postgresql_16 = fake "postgresql-16" [ "psql" "pg_isready" ];
          gnumake = fake "gnumake" [ "make" ];
          hadolint = fake "hadolint" [ "hadolint" ];
          # The shell `nix develop` starts: the host's own bash.
          bashInteractive = derivation {
            inherit system;
            name = "bash-interactive";
            builder = "/bin/sh";
            args = [ "-c" "/bin/mkdir -p $out/bin && /bin/ln -s /bin/bash $out/bin/bash" ];
          };
          pythonManylinuxPackages.manylinux1 = [ (fake "glibc-standin" [ ]) (fake "zlib-standin" [ ]) ];
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
